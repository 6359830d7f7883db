package io.dgan.worker.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dgan.training.TrainConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * {@code dgan job}: the DecentralizedGANJob that trains on Kubernetes what a local run trained, from the run's
 * config.json, for {@code kubectl apply -f -}. A run the operator cannot reproduce (a user graph, a dataset the CRD
 * does not offer) gets one line naming each setting, and no manifest.
 */
@Command(name = "job", mixinStandardHelpOptions = true,
        description = "Print the DecentralizedGANJob (YAML) that trains what a local run trained: its workers, graph, "
                + "model, data, loss, optimizer, rates, batch, iterations and seed, for kubectl apply -f -.")
public final class JobCommand implements Runnable {
    /** DNS-1035 label of at most 45 characters: the CRD's rule for a job's name (it names pods and a Service). */
    private static final Pattern JOB_NAME = Pattern.compile("[a-z]([-a-z0-9]{0,43}[a-z0-9])?");

    @Spec
    CommandSpec spec;

    @Option(names = "--run-dir", required = true, paramLabel = "DIR",
            description = "the run directory of dgan train or dgan demo, or the run's config.json")
    Path runDir;

    @Option(names = "--name", description = "metadata.name (default: the run directory's name, made a DNS-1035 label)")
    String name;

    @Option(names = "--namespace", description = "metadata.namespace (default: none, kubectl's current namespace)")
    String namespace;

    @Option(names = "--image", description = "the worker image (default " + JobManifest.CPU_IMAGE + ", with --gpus "
            + JobManifest.GPU_IMAGE + ")")
    String image;

    @Option(names = "--gpus", defaultValue = "0", description = "GPUs per worker, as the nvidia.com/gpu limit (default 0)")
    int gpus;

    @Option(names = "--cpu", description = "CPU request per worker (default: the run's threads per worker, else 2)")
    String cpu;

    @Option(names = "--memory", description = "memory request and limit per worker (default 2Gi, with --gpus 16Gi)")
    String memory;

    @Option(names = "--data-claim", paramLabel = "CLAIM",
            description = "a PersistentVolumeClaim holding the dataset, mounted read-only at /data in every worker "
                    + "(default: the data is in the image at /data)")
    String dataClaim;

    @Option(names = "--checkpoint-size", paramLabel = "SIZE",
            description = "a checkpoint claim of this size per rank, e.g. 1Gi (default: none, an emptyDir)")
    String checkpointSize;

    @Option(names = "--workers", paramLabel = "M",
            description = "train on M workers instead of the run's (the same graph type, on M ranks)")
    Integer workers;

    @Option(names = "--iterations", paramLabel = "N", description = "train N iterations instead of the run's")
    Long iterations;

    @Option(names = "--json", description = "print the manifest as one JSON object instead of YAML")
    boolean json;

    @Override
    public void run() {
        // A run directory, or dgan demo's output directory (its run is train/), or the config.json itself.
        Path file = !Files.isDirectory(runDir) ? runDir
                : Files.isRegularFile(runDir.resolve("config.json")) || !Files.isDirectory(runDir.resolve("train"))
                ? runDir.resolve("config.json") : runDir.resolve("train/config.json");
        TrainConfig recorded = readRun(file);
        TrainConfig run = scaled(recorded);
        List<String> differences = JobManifest.differences(run);
        if (!differences.isEmpty()) {
            throw new IllegalArgumentException(file + ": a DecentralizedGANJob cannot train what this run trained: "
                    + String.join("; ", differences));
        }
        if (gpus < 0) {
            throw new ParameterException(spec.commandLine(), "--gpus: expected 0 or more, got " + gpus);
        }
        if (checkpointSize != null && !checkpointSize.matches("[0-9]+(\\.[0-9]+)?(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?")) {
            throw new ParameterException(spec.commandLine(),
                    "--checkpoint-size: expected a quantity such as 1Gi or 500Mi, got '" + checkpointSize + "'");
        }
        JobManifest.Placement where = new JobManifest.Placement(jobName(file), namespace, image, gpus, cpu, memory,
                dataClaim, checkpointSize);
        ObjectNode manifest = JobManifest.manifest(run, where);
        PrintWriter out = spec.commandLine().getOut();
        out.print(json ? JsonOutput.toJson(manifest) + "\n"
                : JobManifest.yaml(manifest, file.toString(), recorded, run, where));
        out.flush();
    }

    /** The run's configuration with --workers and --iterations applied; the graph type must exist on M ranks. */
    private TrainConfig scaled(TrainConfig run) {
        TrainConfig out = run;
        if (iterations != null) {
            if (iterations < 1) {
                throw new ParameterException(spec.commandLine(), "--iterations: expected 1 or more, got " + iterations);
            }
            out = out.withIterations(iterations);
        }
        if (workers != null) {
            if (workers < 1 || workers > 1024) {
                throw new ParameterException(spec.commandLine(), "--workers: expected 1 to 1024, got " + workers);
            }
            try {
                io.dgan.topology.Topologies.create(io.dgan.topology.TopologySpec.of(
                        io.dgan.topology.TopologyType.fromName(run.topology()), workers).withSeed(run.seed()));
            } catch (IllegalArgumentException e) {
                throw new ParameterException(spec.commandLine(), "--workers: " + e.getMessage());
            }
            out = out.withWorkers(workers, run.topology(), run.algorithm());
        }
        return out;
    }

    private TrainConfig readRun(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new ParameterException(spec.commandLine(), "--run-dir: " + file + " not found (a run directory of "
                    + "dgan train holds config.json)");
        }
        JsonNode root;
        try {
            root = JsonOutput.mapper().readTree(Files.readString(file));
        } catch (IOException e) {
            throw new IllegalArgumentException(file + ": not JSON: " + e.getMessage().lines().findFirst().orElse(""));
        }
        if (root == null || !root.isObject() || root.path("model").isObject()) {
            throw new IllegalArgumentException(file + ": expected the config.json of a dgan train run (a flat object "
                    + "with workers, topology, model, ...)" + (root != null && root.path("model").isObject()
                    ? "; this is a job's configuration, written by the operator from a DecentralizedGANJob" : ""));
        }
        try {
            TrainConfig run = JsonOutput.mapper().treeToValue(root, TrainConfig.class);
            if (run.workers() < 1 || run.topology() == null || run.algorithm() == null || run.model() == null
                    || run.dataset() == null || run.loss() == null) {
                throw new IllegalArgumentException("workers, topology, algorithm, model, dataset and loss are required");
            }
            return run;
        } catch (IOException | IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage().lines().findFirst().orElse(""));
        }
    }

    /** --name, else the run directory's name (dgan demo's train/ directory: its parent's) as a DNS-1035 label. */
    private String jobName(Path file) {
        if (name != null) {
            if (!JOB_NAME.matcher(name).matches()) {
                throw new ParameterException(spec.commandLine(), "--name: expected a DNS-1035 label of at most 45 "
                        + "characters (lower-case letters, digits and '-', starting with a letter), got '" + name + "'");
            }
            return name;
        }
        Path dir = file.toAbsolutePath().normalize().getParent();
        if (dir != null && dir.getFileName() != null && dir.getFileName().toString().equals("train")
                && dir.getParent() != null && dir.getParent().getFileName() != null) {
            dir = dir.getParent();
        }
        String derived = dir == null || dir.getFileName() == null ? "" : dir.getFileName().toString()
                .toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-").replaceAll("^[^a-z]+", "");
        derived = derived.substring(0, Math.min(derived.length(), 45)).replaceAll("-+$", "");
        if (!JOB_NAME.matcher(derived).matches()) {
            throw new ParameterException(spec.commandLine(), "--name: required, the run directory's name gives no "
                    + "DNS-1035 label");
        }
        return derived;
    }
}
