package io.dgan.worker.cli;

import io.dgan.optimizer.Algorithm;
import io.dgan.training.GanTrainer;
import io.dgan.training.TrainConfig;
import io.dgan.training.Preset;
import io.dgan.training.Recipe;
import io.dgan.transport.grpc.LinkEmulation;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.Callable;

/**
 * {@code dgan train --in-process}: M workers as threads of this process over the in-memory transport, each training
 * its own G and D and gossiping parameters with its graph neighbours. Progress on stderr; results in the run
 * directory; {@code --json} prints the summary on stdout.
 */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Train a GAN with M decentralized workers: M worker processes gossiping over gRPC on loopback "
                        + "(default) or threads of this process (--in-process).",
                "Writes config.json, metrics.jsonl, samples/, losses.png, consensus.png, one PNG per evaluation metric (fid, modesCovered, ...), "
                        + "checkpoints/ and summary.json into --run-dir; --resume continues a run exactly."})
public final class TrainCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--workers", defaultValue = "4", description = "number of workers M (default ${DEFAULT-VALUE})")
    int workers;

    @Mixin
    TopologyOptions topology = new TopologyOptions();

    @Mixin
    AlgorithmOptions algorithm = new AlgorithmOptions("dp-oadam");

    @Mixin
    TrainingOptions training = new TrainingOptions();

    @Mixin
    ReportingOptions reporting = new ReportingOptions();

    @Option(names = "--run-dir", description = "run directory (default runs/train-<dataset>-<algorithm>-<time>)")
    Path runDir;

    @Option(names = "--resume", description = "continue the run in --run-dir from its last checkpoint (with the "
            + "same settings, except --iterations, the reporting periods and the learning rates, which it may lower "
            + "after a divergence)")
    boolean resume;

    @Option(names = "--in-process", description = "run the M workers as threads of this process over the in-memory "
            + "transport (default: M worker processes on loopback over gRPC)")
    boolean inProcess;

    @Mixin
    TransportOptions transport = new TransportOptions();

    @Mixin
    EmulationOptions emulation = new EmulationOptions();

    @Option(names = "--json", description = "print one JSON summary on stdout")
    boolean json;

    @Option(names = "--restart-failed", arity = "0..1", defaultValue = "0", paramLabel = "N",
            fallbackValue = "" + WorkerSupervisor.DEFAULT_RESTARTS,
            description = "restart a worker process that dies, at most N times in the run (N defaults to "
                    + WorkerSupervisor.DEFAULT_RESTARTS + "): it rejoins warm-started from its neighbours; "
                    + "static graphs and gossip algorithms only")
    int restartFailed;

    /**
     * Local multi-process mode: M {@code dgan worker} JVMs on loopback, real gRPC between them, each reading the
     * run's config.json; rank 0 prints the progress lines and writes the run directory as the in-process trainer
     * does. Each worker's native thread pools get cores / M threads so the M workers do not oversubscribe the cores.
     * Returns summary.json.
     */
    static Map<String, Object> runWorkerProcesses(TrainConfig config, Path dir, boolean resume, PrintWriter err) {
        return runWorkerProcesses(config, dir, resume, "float32", err, workers -> { });
    }

    /**
     * As above, with the gossip wire format; {@code onStart} gets the launcher before the workers start (the soak
     * benchmark watches their RSS).
     */
    static Map<String, Object> runWorkerProcesses(TrainConfig config, Path dir, boolean resume, String wire,
                                                  PrintWriter err, Consumer<LocalWorkers> onStart) {
        return runWorkerProcesses(config, dir, resume, wire, false, err, onStart);
    }

    /** As above; {@code plaintext}: gossip without TLS. */
    static Map<String, Object> runWorkerProcesses(TrainConfig config, Path dir, boolean resume, String wire,
                                                  boolean plaintext, PrintWriter err, Consumer<LocalWorkers> onStart) {
        return runWorkerProcesses(config, dir, resume, wire, plaintext, null, err, onStart);
    }

    /** As above; {@code supervisor}: restarts dead workers (null: a dead worker stops the run). */
    static Map<String, Object> runWorkerProcesses(TrainConfig config, Path dir, boolean resume, String wire,
                                                  boolean plaintext, WorkerSupervisor supervisor, PrintWriter err,
                                                  Consumer<LocalWorkers> onStart) {
        TransportOptions transport = new TransportOptions();
        transport.wire = wire;
        transport.insecurePlaintext = plaintext;
        return runWorkerProcesses(config, dir, resume, transport, new EmulationOptions(), supervisor, err, onStart);
    }

    /** As above, with the transport and emulation options handed to every worker. */
    @SuppressWarnings("unchecked")
    static Map<String, Object> runWorkerProcesses(TrainConfig config, Path dir, boolean resume,
                                                  TransportOptions transport, EmulationOptions emulation,
                                                  WorkerSupervisor supervisor, PrintWriter err,
                                                  Consumer<LocalWorkers> onStart) {
        GanTrainer.prepareRunDirectory(config, dir, resume);
        int threads = config.threadsPerWorker() > 0 ? config.threadsPerWorker()
                : Math.max(1, Runtime.getRuntime().availableProcessors() / config.workers());
        String t = Integer.toString(threads);
        List<String> args = new ArrayList<>(List.of("--config", dir.resolve("config.json").toString(),
                "--receive-timeout", "1800"));
        if (resume) {
            args.add("--resume");
        }
        args.addAll(transport.toArgs());
        args.addAll(emulation.toArgs());
        err.printf("dgan train: %d worker processes over gRPC on loopback (%s wire, %s%s), %d native thread(s) "
                        + "each; run directory %s%n", config.workers(), transport.wire,
                transport.insecurePlaintext ? "PLAINTEXT" : "mutual TLS, CA of this run", emulation.describe(),
                threads, dir);
        err.flush();
        long started = System.nanoTime();
        try {
            LocalWorkers workers = new LocalWorkers(config.workers(), args, dir, err,
                    List.of("-Xmx1g", "-Djava.awt.headless=true", "-Dslf4j.internal.verbosity=ERROR"))
                    .environment(Map.of("OMP_NUM_THREADS", t, "OPENBLAS_NUM_THREADS", t, "MKL_NUM_THREADS", t,
                            WorkerCommand.THREADS_ENV, t))
                    .plaintext(transport.insecurePlaintext);
            if (supervisor != null) {
                workers.supervise(supervisor);
            }
            onStart.accept(workers);
            workers.runToCompletion();
            Map<String, Object> summary = new ObjectMapper().readValue(dir.resolve("summary.json").toFile(), Map.class);
            if (supervisor != null) {
                summary = WorkerSupervisor.recordRestarts(dir, summary, workers.restarts(), err);
            }
            err.printf("run directory: %s (%.1f s with process start-up, %.2f it/s in the loop)%n", dir,
                    (System.nanoTime() - started) / 1e9, ((Number) summary.get("iterationsPerSecond")).doubleValue());
            err.flush();
            return summary;
        } catch (IOException e) {
            throw new UncheckedIOException("local workers: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** The run directory: --run-dir, else runs/train-<dataset>-<algorithm>-<time>. */
    Path runDirectory() {
        if (resume && runDir == null) {
            throw new ParameterException(spec.commandLine(), "--resume: needs --run-dir");
        }
        if (runDir == null) {
            runDir = Path.of("runs", "train-" + training.dataset + "-" + algorithm.algorithm + "-"
                    + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
        }
        return runDir;
    }

    /**
     * The run's configuration from the flags, the recipe's settings left out taken from the preset (bad values: a
     * ParameterException naming the flag).
     */
    TrainConfig buildConfig() {
        CommandLine cmd = spec.commandLine();
        Algorithm algo = algorithm.parse(cmd);
        topology.checkRounds(cmd, algo, workers);
        topology.checkGraph(cmd, algo, workers, training.seed);
        Preset preset = training.preset(cmd);
        Recipe recipe = training.recipe(cmd, preset);
        try {
            return new TrainConfig(workers, topology.name(algo), algorithm.algorithm, training.modelName(),
                    training.dataset, training.dataDir, training.shard, recipe.loss(), recipe.batch(),
                    recipe.iterations(), recipe.lrG(), recipe.lrD(), recipe.beta1(), recipe.beta2(),
                    topology.gossipRounds, training.seed, reporting.threadsPerWorker, reporting.logEvery,
                    reporting.evalEvery, reporting.checkpointEvery, reporting.evalSamples, reporting.classifierDir,
                    algorithm.averageMoments, algorithm.initialDirection, preset.name(), algorithm.secondMoment);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(cmd, e.getMessage());
        }
    }

    /** Which preset the run uses and which of its settings the flags replaced, for the progress output. */
    String presetLine() {
        Preset preset = training.preset(spec.commandLine());
        List<String> given = training.recipeFlagsGiven();
        return String.format(Locale.ROOT, "dgan train: preset %s (%s): %s%s", preset.name(), preset.source(),
                training.recipe(spec.commandLine(), preset).describe(),
                given.isEmpty() ? "" : "; from flags: " + String.join(" ", given));
    }

    /**
     * Checks {@code dgan train} arguments as a run would, without running anything: the run's configuration, or
     * IllegalArgumentException with the one-line message the command would print.
     */
    static TrainConfig check(List<String> args) {
        TrainCommand train = new TrainCommand();
        CommandLine cmd = new CommandLine(train);
        try {
            cmd.parseArgs(args.toArray(String[]::new));
            return train.checkFlags();
        } catch (ParameterException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    /** The checks of the flags that need no run directory; returns the run's configuration. */
    private TrainConfig checkFlags() {
        CommandLine cmd = spec.commandLine();
        training.resolveModelAndDataset(cmd);
        boolean float32 = transport.isFloat32(cmd);
        LinkEmulation links = emulation.parse(cmd);
        if (inProcess && restartFailed != 0) {
            throw new ParameterException(cmd, "--restart-failed: only for worker processes (the "
                    + "--in-process workers are threads of one process)");
        }
        if (inProcess && !float32) {
            throw new ParameterException(cmd, "--wire " + transport.wire + ": only for worker processes over "
                    + "gRPC (the --in-process transport moves float32 in memory)");
        }
        if (inProcess && links.active()) {
            throw new ParameterException(cmd, (links.latency().isZero() ? "--emulate-bandwidth" : "--emulate-latency")
                    + ": only for worker processes over gRPC (--in-process has no network to emulate)");
        }
        TrainConfig config = buildConfig();
        if (restartFailed != 0) {
            try {
                WorkerSupervisor.of(config, Path.of("."), restartFailed);
            } catch (IllegalArgumentException e) {
                throw new ParameterException(cmd, e.getMessage());
            }
        }
        return config;
    }

    @Override
    public Integer call() {
        CommandLine cmd = spec.commandLine();
        TrainConfig config = checkFlags();
        Path dir = runDirectory();
        // Checked before anything is printed, so that a run directory that cannot be used is the only line.
        String changed = GanTrainer.prepareRunDirectory(config, dir, resume);
        PrintWriter err = cmd.getErr();
        err.println(presetLine());
        if (changed != null) {
            err.println("dgan train: " + changed);
        }
        err.flush();
        if (!inProcess) {
            if (resume) {
                checkResumable(cmd, config, dir);
            }
            WorkerSupervisor supervisor = null;
            if (restartFailed != 0) {
                try {
                    supervisor = WorkerSupervisor.of(config, dir, restartFailed);
                } catch (IllegalArgumentException e) {
                    throw new ParameterException(spec.commandLine(), e.getMessage());
                }
            }
            Map<String, Object> summary = runWorkerProcesses(config, dir, resume, transport, emulation, supervisor,
                    err, workers -> { });
            printSplit(err, summary.get("iterationSplit"));
            if (json) {
                cmd.getOut().println(JsonOutput.toJson(summary));
                cmd.getOut().flush();
            }
            return 0;
        }
        PrintStream stdout = System.out;
        PrintWriter jsonOut = cmd.getOut();
        // Libraries (ND4J's banner among them) may print to System.out: keep stdout for the one JSON object.
        System.setOut(System.err);
        try {
            GanTrainer.Summary summary = new GanTrainer(config, dir, resume, System.err).run();
            System.err.printf("run directory: %s (%.1f s, %.2f it/s)%n", dir, summary.wallSeconds(),
                    summary.iterationsPerSecond());
            printSplit(err, summary.iterationSplit());
            if (json) {
                jsonOut.println(JsonOutput.toJson(summary));
                jsonOut.flush();
            }
        } finally {
            System.setOut(stdout);
        }
        return 0;
    }

    /**
     * Worker processes resume from the newest checkpoint every rank has; with no iteration left after it each would
     * refuse on its own, after starting: said here in one line first.
     */
    private static void checkResumable(CommandLine cmd, TrainConfig config, Path dir) {
        Path checkpoints = dir.resolve("checkpoints");
        List<long[]> ranks = new ArrayList<>();
        for (int r = 0; r < config.workers(); r++) {
            ranks.add(io.dgan.training.Checkpoints.iterations(checkpoints, r));
        }
        long common = io.dgan.training.Checkpoints.newestCommon(ranks);
        if (common >= config.iterations()) {
            throw new ParameterException(cmd, "--iterations " + config.iterations() + " must exceed the "
                    + "checkpoint's iteration " + common + " to resume");
        }
    }

    /** The run's mean time per iteration, split into compute, gossip/all-reduce wait and the rest. */
    private static void printSplit(PrintWriter err, Object split) {
        if (split instanceof Map<?, ?> m && !m.isEmpty()) {
            err.println(GanTrainer.splitLine(m));
            err.flush();
        }
    }
}
