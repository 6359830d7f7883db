package io.dgan.worker.cli;

import io.dgan.optimizer.Algorithm;
import io.dgan.training.GanTrainer;
import io.dgan.model.GanModels;
import io.dgan.training.TrainConfig;
import picocli.CommandLine.Command;
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
import java.util.Map;
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

    @Option(names = "--topology", description = "ring, torus, hypercube, exponential, complete, one-peer-hypercube, "
            + "random-ring, random-matching (default ring; random-ring for rand-dp-oadam)")
    String topology;

    @Option(names = "--algorithm", defaultValue = "dp-oadam",
            description = "gda | dposg | dp-oadam | rand-dp-oadam | cp-oadam (default ${DEFAULT-VALUE})")
    String algorithm;

    @Option(names = "--model", defaultValue = "mlp", description = "mlp | dcgan | dcgan-small (width 32) | "
            + "resnet-wgan-gp (Gulrajani et al.; 32×32 or 28×28 images) (default ${DEFAULT-VALUE})")
    String model;

    @Option(names = "--spectral-norm", description = "spectral normalisation of the discriminator's weights "
            + "(Miyato et al. 2018; same as the model name + \"+sn\")")
    boolean spectralNorm;

    @Option(names = "--dataset", defaultValue = "ring8",
            description = "ring8 | grid25 | fashion-mnist | mnist | cifar10 | folder (default ${DEFAULT-VALUE})")
    String dataset;

    @Option(names = "--data-dir", description = "folder of the dataset files (fashion-mnist defaults to "
            + "/usr/share/datasets/fashion-mnist, Debian's dataset-fashion-mnist)")
    String dataDir;

    @Option(names = "--shard", defaultValue = "iid", description = "iid | dirichlet:<alpha> (non-iid by label; default ${DEFAULT-VALUE})")
    String shard;

    @Option(names = "--loss", defaultValue = "bce", description = "bce | wgan-gp[:lambda] | hinge (default ${DEFAULT-VALUE})")
    String loss;

    @Option(names = "--batch", defaultValue = "64", description = "minibatch per worker (default ${DEFAULT-VALUE})")
    int batch;

    @Option(names = "--iterations", defaultValue = "1000", description = "total iterations (default ${DEFAULT-VALUE})")
    long iterations;

    @Option(names = "--lr", defaultValue = "2e-4", description = "learning rate of G and D (default ${DEFAULT-VALUE})")
    double lr;

    @Option(names = "--lr-g", description = "learning rate of G (overrides --lr)")
    Double lrG;

    @Option(names = "--lr-d", description = "learning rate of D (overrides --lr)")
    Double lrD;

    @Option(names = "--beta1", defaultValue = "0.5", description = "Adam β1 (default ${DEFAULT-VALUE})")
    double beta1;

    @Option(names = "--beta2", defaultValue = "0.999", description = "Adam β2 (default ${DEFAULT-VALUE})")
    double beta2;

    @Option(names = "--gossip-rounds", defaultValue = "1",
            description = "gossip rounds t per iteration, >= 1 (default ${DEFAULT-VALUE}); a time-varying schedule "
                    + "advances every round")
    int gossipRounds;

    @Option(names = "--local-training",
            description = "allow --gossip-rounds 0: M independent learners that never mix (a baseline, not DPOSG)")
    boolean localTraining;

    @Option(names = "--average-moments", description = "also gossip Adam's moments m and v (dp-oadam, rand-dp-oadam; "
            + "reconstructed choice, default off)")
    boolean averageMoments;

    @Option(names = "--initial-direction", defaultValue = "oracle",
            description = "d_0 of the first optimistic half step: oracle (g_0 = gradient at x_0) or zero "
                    + "(reconstructed choice; default ${DEFAULT-VALUE})")
    String initialDirection;

    @Option(names = "--seed", defaultValue = "0", description = "initial point, data, noise and schedule seed (default ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--threads-per-worker", defaultValue = "0",
            description = "ND4J/BLAS threads per op (default 0: cores / workers, at least 1)")
    int threadsPerWorker;

    @Option(names = "--log-every", defaultValue = "10", description = "iterations per progress line / metrics record (default ${DEFAULT-VALUE})")
    long logEvery;

    @Option(names = "--eval-every", defaultValue = "0", description = "iterations between evaluations (default 0: at the end only)")
    long evalEvery;

    @Option(names = "--checkpoint-every", defaultValue = "0", description = "iterations between checkpoints (default 0: at the end only)")
    long checkpointEvery;

    @Option(names = "--eval-samples", defaultValue = "2500", description = "samples per evaluation (default ${DEFAULT-VALUE})")
    int evalSamples;

    @Option(names = "--classifier-dir", description = "feature classifier for FID/KID/IS (default: see dgan classifier train --help)")
    String classifierDir;

    @Option(names = "--run-dir", description = "run directory (default runs/train-<dataset>-<algorithm>-<time>)")
    Path runDir;

    @Option(names = "--resume", description = "continue the run in --run-dir from its last checkpoint")
    boolean resume;

    @Option(names = "--in-process", description = "run the M workers as threads of this process over the in-memory "
            + "transport (default: M worker processes on loopback over gRPC)")
    boolean inProcess;

    @Option(names = "--wire", defaultValue = "float32",
            description = "gossip wire format between the worker processes: float32 | bf16 (default ${DEFAULT-VALUE})")
    String wire;

    @Option(names = "--json", description = "print one JSON summary on stdout")
    boolean json;

    @Option(names = "--insecure-plaintext", description = "worker processes gossip without TLS (default: a CA for "
            + "the run and a certificate per rank under <run dir>/tls, mutual TLS between the workers)")
    boolean insecurePlaintext;

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
                                                  PrintWriter err, java.util.function.Consumer<LocalWorkers> onStart) {
        return runWorkerProcesses(config, dir, resume, wire, false, err, onStart);
    }

    /** As above; {@code plaintext}: gossip without TLS. */
    static Map<String, Object> runWorkerProcesses(TrainConfig config, Path dir, boolean resume, String wire,
                                                  boolean plaintext, PrintWriter err,
                                                  java.util.function.Consumer<LocalWorkers> onStart) {
        return runWorkerProcesses(config, dir, resume, wire, plaintext, null, err, onStart);
    }

    /** As above; {@code supervisor}: restarts dead workers (null: a dead worker stops the run). */
    @SuppressWarnings("unchecked")
    static Map<String, Object> runWorkerProcesses(TrainConfig config, Path dir, boolean resume, String wire,
                                                  boolean plaintext, WorkerSupervisor supervisor, PrintWriter err,
                                                  java.util.function.Consumer<LocalWorkers> onStart) {
        GanTrainer.prepareRunDirectory(config, dir, resume);
        int threads = config.threadsPerWorker() > 0 ? config.threadsPerWorker()
                : Math.max(1, Runtime.getRuntime().availableProcessors() / config.workers());
        String t = Integer.toString(threads);
        List<String> args = new ArrayList<>(List.of("--config", dir.resolve("config.json").toString(),
                "--receive-timeout", "1800"));
        if (resume) {
            args.add("--resume");
        }
        args.addAll(List.of("--wire", wire));
        err.printf("dgan train: %d worker processes over gRPC on loopback (%s wire, %s), %d native thread(s) each; "
                + "run directory %s%n", config.workers(), wire, plaintext ? "PLAINTEXT" : "mutual TLS, CA of this run",
                threads, dir);
        err.flush();
        long started = System.nanoTime();
        try {
            LocalWorkers workers = new LocalWorkers(config.workers(), args, dir, err,
                    List.of("-Xmx1g", "-Djava.awt.headless=true", "-Dslf4j.internal.verbosity=ERROR"))
                    .environment(Map.of("OMP_NUM_THREADS", t, "OPENBLAS_NUM_THREADS", t, "MKL_NUM_THREADS", t,
                            WorkerCommand.THREADS_ENV, t))
                    .plaintext(plaintext);
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
            runDir = Path.of("runs", "train-" + dataset + "-" + algorithm + "-"
                    + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
        }
        return runDir;
    }

    /** The run's configuration from the flags (bad values: a ParameterException naming the flag). */
    TrainConfig buildConfig() {
        Algorithm algo;
        try {
            algo = Algorithm.fromCliName(algorithm);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "--algorithm: " + e.getMessage());
        }
        String topo = topology != null ? topology : algo == Algorithm.RAND_DP_OADAM ? "random-ring" : "ring";
        if (gossipRounds == 0 && !localTraining && algo.usesGossip() && workers > 1) {
            throw new ParameterException(spec.commandLine(), "--gossip-rounds 0: the workers would never mix (M "
                    + "independent learners); give --gossip-rounds >= 1, or --local-training to ask for that");
        }
        if (gossipRounds < 0) {
            throw new ParameterException(spec.commandLine(), "--gossip-rounds: must be >= 1, got " + gossipRounds);
        }
        try {
            return new TrainConfig(workers, topo, algorithm, GanModels.withSpectralNorm(model, spectralNorm), dataset, dataDir, shard, loss, batch,
                    iterations, lrG != null ? lrG : lr, lrD != null ? lrD : lr, beta1, beta2, gossipRounds, seed,
                    threadsPerWorker, logEvery, evalEvery, checkpointEvery, evalSamples, classifierDir,
                    averageMoments, initialDirection);
        } catch (IllegalArgumentException e) {
            String m = e.getMessage();
            throw new ParameterException(spec.commandLine(), m);
        }
    }

    @Override
    public Integer call() {
        if (!wire.equals("float32") && !wire.equals("bf16")) {
            throw new ParameterException(spec.commandLine(), "--wire: expected float32 or bf16, got '" + wire + "'");
        }
        if (inProcess && restartFailed != 0) {
            throw new ParameterException(spec.commandLine(), "--restart-failed: only for worker processes (the "
                    + "--in-process workers are threads of one process)");
        }
        if (inProcess && !wire.equals("float32")) {
            throw new ParameterException(spec.commandLine(), "--wire " + wire + ": only for worker processes over "
                    + "gRPC (the --in-process transport moves float32 in memory)");
        }
        TrainConfig config = buildConfig();
        Path dir = runDirectory();
        if (!inProcess) {
            WorkerSupervisor supervisor = null;
            if (restartFailed != 0) {
                try {
                    supervisor = WorkerSupervisor.of(config, dir, restartFailed);
                } catch (IllegalArgumentException e) {
                    throw new ParameterException(spec.commandLine(), e.getMessage());
                }
            }
            Map<String, Object> summary = runWorkerProcesses(config, dir, resume, wire, insecurePlaintext,
                    supervisor, spec.commandLine().getErr(), workers -> { });
            if (json) {
                spec.commandLine().getOut().println(JsonOutput.toJson(summary));
                spec.commandLine().getOut().flush();
            }
            return 0;
        }
        PrintStream stdout = System.out;
        java.io.PrintWriter jsonOut = spec.commandLine().getOut();
        // Libraries (ND4J's banner among them) may print to System.out: keep stdout for the one JSON object.
        System.setOut(System.err);
        try {
            GanTrainer.Summary summary = new GanTrainer(config, dir, resume, System.err).run();
            System.err.printf("run directory: %s (%.1f s, %.2f it/s)%n", dir, summary.wallSeconds(),
                    summary.iterationsPerSecond());
            if (json) {
                jsonOut.println(JsonOutput.toJson(summary));
                jsonOut.flush();
            }
        } finally {
            System.setOut(stdout);
        }
        return 0;
    }
}
