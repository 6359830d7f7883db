package io.dgan.worker.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.dgan.model.GanModels;
import io.dgan.optimizer.SecondMoment;
import io.dgan.training.Preset;
import io.dgan.training.Recipe;
import io.dgan.training.TrainConfig;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The worker's --config file (DGAN_CONFIG_FILE), in either of its two forms:
 * <ul>
 *   <li>the operator's job configuration (docs/worker-contract.md, {@code TrainingConfigMap}):
 *       {@code {"model": {"type", "latentDim", "spectralNorm"}, "dataset": {"type", "path", "partition"}, "optimizer": {"algorithm",
 *       "lrGenerator", "lrDiscriminator", "beta1", "beta2", "batchSize", "averageMoments", "initialDirection",
 *       "secondMoment", "loss"}, "training": {"iterations", "seed",
 *       "checkpointEvery", "evalEvery", "checkpointDir"}}};</li>
 *   <li>a run's config.json as {@code dgan train} writes it (a flat {@code TrainConfig}; local multi-process mode).</li>
 * </ul>
 * The topology (type, seed, gossip rounds, W) comes from the topology file; without one it is a ring, seed 0.
 * Optimizer and training fields the job leaves out come from the {@link Preset} of its model and dataset.
 */
final class JobConfigFile {
    private JobConfigFile() {
    }

    static TrainConfig read(Path file, int workers) {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("--config: " + file + " not found");
        }
        JsonNode root;
        try {
            root = JsonOutput.mapper().readTree(Files.readString(file));
        } catch (IOException e) {
            throw new IllegalArgumentException("--config: " + file + ": not JSON: "
                    + e.getMessage().lines().findFirst().orElse(""));
        }
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException("--config: " + file + ": expected a JSON object");
        }
        try {
            if (root.path("model").isObject()) {
                return fromJob(root, workers);
            }
            TrainConfig saved = JsonOutput.mapper().treeToValue(root, TrainConfig.class);
            return saved.workers() == workers ? saved : saved.withWorkers(workers, saved.topology(), saved.algorithm());
        } catch (IOException | IllegalArgumentException e) {
            throw new IllegalArgumentException("--config: " + file + ": " + e.getMessage().lines().findFirst().orElse(""));
        }
    }

    /** The operator's job configuration. Fields the worker cannot honour fail naming the field. */
    static TrainConfig fromJob(JsonNode root, int workers) {
        String model = text(root, "model", "type", null);
        if (!GanModels.NAMES.contains(model)) {
            throw new IllegalArgumentException("model.type: " + model + " is not implemented by this worker "
                    + GanModels.NAMES);
        }
        JsonNode sn = root.path("model").path("spectralNorm");
        if (!sn.isMissingNode() && !sn.isNull() && !sn.isBoolean()) {
            throw new IllegalArgumentException("model.spectralNorm: expected true or false, got " + sn);
        }
        String type = text(root, "dataset", "type", null);
        boolean synthetic = type.equals("synthetic");
        String dataset = synthetic ? "ring8" : type;
        String dataDir = synthetic ? null : text(root, "dataset", "path", "/data");
        String partition = text(root, "dataset", "partition", "iid");
        try {
            partition = io.dgan.data.Sharding.Spec.parse(partition).toString();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("dataset.partition: expected iid or dirichlet:<alpha > 0>, got '"
                    + partition + "'");
        }
        String algorithm = text(root, "optimizer", "algorithm", null);
        String secondMoment = text(root, "optimizer", "secondMoment", "local");
        try {
            SecondMoment.fromCliName(secondMoment);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("optimizer.secondMoment: " + e.getMessage(), e);
        }
        JsonNode opt = root.path("optimizer");
        JsonNode training = root.path("training");
        // Fields the job leaves out come from the preset of its model and dataset (the ResNet's: the WGAN-GP loss).
        Preset preset = Preset.forRun(model, dataset);
        String loss = optional(opt, "loss", JsonNode::asText);
        if (loss != null) {
            try {
                io.dgan.loss.AdversarialLoss.parse(loss);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("optimizer.loss: " + e.getMessage().replace("--loss: ", ""), e);
            }
        }
        JsonNode seed = training.path("seed");
        if (!seed.isMissingNode() && !seed.isNull() && !(seed.canConvertToLong() && seed.isIntegralNumber()
                && seed.asLong() >= 0)) {
            throw new IllegalArgumentException("training.seed: expected an integer >= 0, got " + seed);
        }
        Recipe recipe = preset.recipe().override(loss, optional(opt, "batchSize", JsonNode::asInt),
                optional(training, "iterations", JsonNode::asLong), optional(opt, "lrGenerator", JsonNode::asDouble),
                optional(opt, "lrDiscriminator", JsonNode::asDouble), optional(opt, "beta1", JsonNode::asDouble),
                optional(opt, "beta2", JsonNode::asDouble));
        model = GanModels.withSpectralNorm(model, sn.asBoolean(false));
        String topology = algorithm.equals("rand-dp-oadam") ? "random-ring" : "ring"; // the topology file overrides
        return new TrainConfig(workers, topology, algorithm, model, dataset, dataDir, partition, recipe.loss(),
                recipe.batch(), recipe.iterations(), recipe.lrG(), recipe.lrD(), recipe.beta1(), recipe.beta2(), 1,
                seed.asLong(0), 0, Math.max(1, Math.min(100, training.path("evalEvery").asLong(1000))),
                training.path("evalEvery").asLong(1000), training.path("checkpointEvery").asLong(1000), 2000, null,
                bool(opt, "optimizer.averageMoments"), text(root, "optimizer", "initialDirection", "oracle"),
                preset.name(), secondMoment);
    }

    /** A field's value, or null when the job leaves it out (the preset's then). */
    private static <T> T optional(JsonNode section, String field, java.util.function.Function<JsonNode, T> read) {
        JsonNode n = section.path(field);
        return n.isMissingNode() || n.isNull() ? null : read.apply(n);
    }

    private static boolean bool(JsonNode section, String name) {
        JsonNode n = section.path(name.substring(name.indexOf('.') + 1));
        if (n.isMissingNode() || n.isNull()) {
            return false;
        }
        if (!n.isBoolean()) {
            throw new IllegalArgumentException(name + ": expected true or false, got " + n);
        }
        return n.asBoolean();
    }

    private static String text(JsonNode root, String section, String field, String fallback) {
        JsonNode n = root.path(section).path(field);
        if (n.isMissingNode() || n.isNull()) {
            if (fallback == null) {
                throw new IllegalArgumentException(section + "." + field + ": required");
            }
            return fallback;
        }
        return n.asText();
    }
}
