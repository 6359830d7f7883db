package io.dgan.worker.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import io.dgan.model.GanModels;
import io.dgan.topology.TopologyType;
import io.dgan.training.TrainConfig;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * The DecentralizedGANJob that trains what a local run trained ({@code dgan job}): same workers, graph, model, data,
 * partition, loss, optimizer, rates, batch, iterations and seed. The spec's model, dataset, optimizer and training
 * sections are what the operator hands the workers as their job configuration (docs/worker-contract.md), so the
 * worker's own reading of them ({@link JobConfigFile#fromJob}) is the check that the job trains the same thing:
 * {@link #differences} compares that reading with the run's configuration, setting by setting.
 */
final class JobManifest {
    static final String API_VERSION = "dgan.io/v1alpha1";
    static final String CPU_IMAGE = "ghcr.io/dgan/dgan-worker:0.1.0";
    static final String GPU_IMAGE = "ghcr.io/dgan/dgan-worker-cuda:0.1.0";
    /** The CRD's dataset types; the worker's synthetic data is the ring of 8 Gaussians. */
    static final List<String> DATASETS = List.of("fashion-mnist", "mnist", "cifar10", "ring8");
    /** What the run's checkpoint interval becomes when the run wrote none (a job's must be at least 1). */
    static final long DEFAULT_CHECKPOINT_EVERY = 1000;

    private static final ObjectMapper JSON = JsonOutput.mapper();

    /** Where and how the job's pods run: what a run on one machine does not say. */
    record Placement(String name, String namespace, String image, int gpus, String cpu, String memory,
                     String dataClaim, String checkpointSize) {
        String imageOrDefault() {
            return image != null ? image : gpus > 0 ? GPU_IMAGE : CPU_IMAGE;
        }
    }

    private JobManifest() {
    }

    /** The CRD's topology type for a command-line one: one-peer-hypercube → OnePeerHypercube. */
    static String crdTopology(String cliName) {
        StringBuilder out = new StringBuilder();
        for (String part : cliName.split("-")) {
            out.append(Character.toUpperCase(part.charAt(0))).append(part.substring(1));
        }
        return out.toString();
    }

    /**
     * Settings of the run a job cannot have: each entry names the setting, its value in the run and what a job would
     * do instead. Empty when the job trains exactly what the run trained.
     */
    static List<String> differences(TrainConfig run) {
        List<String> out = new ArrayList<>();
        if (!DATASETS.contains(run.dataset())) {
            out.add("dataset " + run.dataset() + ": a job trains on fashion-mnist, mnist, cifar10 or synthetic (ring8)");
        }
        TopologyType topology;
        try {
            topology = TopologyType.fromName(run.topology());
        } catch (IllegalArgumentException e) {
            topology = null;
        }
        if (topology == null || topology == TopologyType.GRAPH) {
            out.add("topology " + run.topology() + ": a job's graph is one of the built-in types (not a user graph)");
        }
        if (run.gossipRounds() < 1) {
            out.add("gossipRounds " + run.gossipRounds() + ": a job's workers gossip at least once per iteration");
        }
        if (!List.of("local", "neighbourhood").contains(run.secondMoment())) {
            out.add("secondMoment " + run.secondMoment() + ": a job's is local or neighbourhood (global all-reduces "
                    + "the gradients every iteration: a measurement, not a way to train)");
        }
        if (!GanModels.NAMES.contains(GanModels.baseName(run.model()))) {
            out.add("model " + run.model() + ": not a model the worker builds " + GanModels.NAMES);
        }
        if (!out.isEmpty()) {
            return out;
        }
        TrainConfig job;
        try {
            job = JobConfigFile.fromJob(trainingSections(run), run.workers());
        } catch (IllegalArgumentException e) {
            return List.of(e.getMessage());
        }
        compare(out, "algorithm", run.algorithm(), job.algorithm());
        compare(out, "model", run.model(), job.model());
        compare(out, "dataset", run.dataset(), job.dataset());
        compare(out, "partition", run.shard(), job.shard());
        compare(out, "loss", run.loss(), job.loss());
        compare(out, "batch", run.batch(), job.batch());
        compare(out, "iterations", run.iterations(), job.iterations());
        compare(out, "lrG", run.lrG(), job.lrG());
        compare(out, "lrD", run.lrD(), job.lrD());
        compare(out, "beta1", run.beta1(), job.beta1());
        compare(out, "beta2", run.beta2(), job.beta2());
        compare(out, "seed", run.seed(), job.seed());
        compare(out, "averageMoments", run.averageMoments(), job.averageMoments());
        compare(out, "initialDirection", run.initialDirection(), job.initialDirection());
        compare(out, "secondMoment", run.secondMoment(), job.secondMoment());
        compare(out, "evalEvery", run.evalEvery(), job.evalEvery());
        return out;
    }

    private static void compare(List<String> out, String setting, Object run, Object job) {
        if (!Objects.equals(run, job)) {
            out.add(setting + " " + run + ": the job would train with " + job);
        }
    }

    /** spec.model, spec.dataset, spec.optimizer and spec.training: every training setting written out, none left to
     * a preset, so that a later change of a preset does not change the job. */
    static ObjectNode trainingSections(TrainConfig run) {
        ObjectNode sections = JSON.createObjectNode();
        ObjectNode model = sections.putObject("model");
        model.put("type", GanModels.baseName(run.model()));
        model.put("spectralNorm", !run.model().equals(GanModels.baseName(run.model())));
        ObjectNode dataset = sections.putObject("dataset");
        dataset.put("type", run.dataset().equals("ring8") ? "synthetic" : run.dataset());
        dataset.put("partition", run.shard());
        ObjectNode optimizer = sections.putObject("optimizer");
        optimizer.put("algorithm", run.algorithm());
        optimizer.put("loss", run.loss());
        optimizer.put("lrGenerator", run.lrG());
        optimizer.put("lrDiscriminator", run.lrD());
        optimizer.put("beta1", run.beta1());
        optimizer.put("beta2", run.beta2());
        optimizer.put("batchSize", run.batch());
        optimizer.put("averageMoments", run.averageMoments());
        optimizer.put("initialDirection", run.initialDirection());
        optimizer.put("secondMoment", run.secondMoment());
        ObjectNode training = sections.putObject("training");
        training.put("iterations", run.iterations());
        training.put("seed", run.seed());
        training.put("checkpointEvery", run.checkpointEvery() > 0 ? run.checkpointEvery() : DEFAULT_CHECKPOINT_EVERY);
        training.put("evalEvery", run.evalEvery());
        return sections;
    }

    /** The whole DecentralizedGANJob. Call only when {@link #differences} is empty. */
    static ObjectNode manifest(TrainConfig run, Placement where) {
        ObjectNode job = JSON.createObjectNode();
        job.put("apiVersion", API_VERSION);
        job.put("kind", "DecentralizedGANJob");
        ObjectNode metadata = job.putObject("metadata");
        metadata.put("name", where.name());
        if (where.namespace() != null) {
            metadata.put("namespace", where.namespace());
        }
        ObjectNode spec = job.putObject("spec");
        spec.put("workers", run.workers());
        ObjectNode sections = trainingSections(run);
        spec.set("model", sections.get("model"));
        ObjectNode dataset = (ObjectNode) sections.get("dataset");
        if (where.dataClaim() != null) {
            dataset.put("volume", "data");
        }
        spec.set("dataset", dataset);
        spec.set("optimizer", sections.get("optimizer"));
        ObjectNode training = (ObjectNode) sections.get("training");
        if (where.checkpointSize() != null) {
            training.putObject("checkpointVolume").put("size", where.checkpointSize());
        }
        spec.set("training", training);
        ObjectNode topology = spec.putObject("topology");
        topology.put("type", crdTopology(TopologyType.fromName(run.topology()).cliName()));
        topology.put("gossipRounds", run.gossipRounds());
        topology.put("seed", run.seed());
        spec.set("template", template(run, where));
        return job;
    }

    /** One container named worker; CPU jobs get the run's thread count as their OpenMP threads and CPU request. */
    private static ObjectNode template(TrainConfig run, Placement where) {
        ObjectNode template = JSON.createObjectNode();
        ObjectNode podSpec = template.putObject("spec");
        ObjectNode container = podSpec.putArray("containers").addObject();
        container.put("name", "worker");
        container.put("image", where.imageOrDefault());
        String cpu = where.cpu() != null ? where.cpu()
                : Integer.toString(run.threadsPerWorker() > 0 ? run.threadsPerWorker() : 2);
        if (where.gpus() == 0) {
            ArrayNode env = container.putArray("env");
            env.addObject().put("name", "OMP_NUM_THREADS").put("value", Integer.toString(wholeCores(cpu)));
        }
        ObjectNode resources = container.putObject("resources");
        String memory = where.memory() != null ? where.memory() : where.gpus() > 0 ? "16Gi" : "2Gi";
        resources.putObject("requests").put("cpu", cpu).put("memory", memory);
        ObjectNode limits = resources.putObject("limits");
        if (where.gpus() > 0) {
            limits.put("nvidia.com/gpu", Integer.toString(where.gpus()));
        } else {
            limits.put("cpu", cpu);
        }
        limits.put("memory", memory);
        if (where.dataClaim() != null) {
            podSpec.putArray("volumes").addObject().put("name", "data").putObject("persistentVolumeClaim")
                    .put("claimName", where.dataClaim()).put("readOnly", true);
        }
        return template;
    }

    /** The native threads a CPU request pays for: its whole cores, at least one ("500m" → 1, "2.5" → 2). */
    static int wholeCores(String cpu) {
        try {
            double cores = cpu.endsWith("m") ? Double.parseDouble(cpu.substring(0, cpu.length() - 1)) / 1000
                    : Double.parseDouble(cpu);
            return Math.max(1, (int) Math.floor(cores));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--cpu: expected a CPU quantity such as 2 or 500m, got '" + cpu + "'");
        }
    }

    /** The manifest as YAML, under a comment that says where it came from and what the run's machine decided. */
    static String yaml(JsonNode manifest, String source, TrainConfig recorded, TrainConfig run, Placement where) {
        StringBuilder out = new StringBuilder();
        out.append("# Trains what ").append(source).append(" trained (dgan job): ").append(run.workers())
                .append(" workers, ").append(run.topology()).append(", ").append(run.algorithm()).append(", ")
                .append(run.model()).append(" on ").append(run.dataset()).append(", seed ").append(run.seed())
                .append(".\n");
        if (recorded.workers() != run.workers() || recorded.iterations() != run.iterations()) {
            out.append("# Scaled: ").append(run.workers()).append(" workers (the run: ").append(recorded.workers())
                    .append("), ").append(run.iterations()).append(" iterations (the run: ")
                    .append(recorded.iterations()).append(").\n");
        }
        for (String note : notes(run, where)) {
            out.append("# ").append(note).append('\n');
        }
        try {
            ObjectMapper yaml = new ObjectMapper(new YAMLFactory()
                    .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
                    .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
                    .enable(YAMLGenerator.Feature.ALWAYS_QUOTE_NUMBERS_AS_STRINGS));
            return out.append(yaml.writeValueAsString(manifest)).toString();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** What the job does differently from the run where that changes where things are, not what is trained. */
    static List<String> notes(TrainConfig run, Placement where) {
        List<String> notes = new ArrayList<>();
        if (!run.dataset().equals("ring8")) {
            notes.add(String.format(Locale.ROOT, "Data: the workers read %s from /data (the run read %s): %s.",
                    run.dataset(), run.dataDir() == null ? "its default directory" : run.dataDir(),
                    where.dataClaim() != null ? "the claim " + where.dataClaim() + ", mounted read-only"
                            : "bake it into the image or pass --data-claim (docs/getting-started-kubernetes.md, step 3)"));
        }
        if (run.checkpointEvery() <= 0) {
            notes.add("Checkpoints: the run wrote none; the job writes one every " + DEFAULT_CHECKPOINT_EVERY
                    + " iterations, so that a replaced worker resumes.");
        }
        if (where.checkpointSize() == null) {
            notes.add("Checkpoints live in an emptyDir, lost with the pod; --checkpoint-size gives each rank a claim.");
        }
        return notes;
    }
}
