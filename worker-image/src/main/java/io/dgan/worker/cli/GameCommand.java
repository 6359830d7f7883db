package io.dgan.worker.cli;

import io.dgan.games.BilinearGame;
import io.dgan.games.CurvePoint;
import io.dgan.games.Game;
import io.dgan.games.GameRunner;
import io.dgan.games.QuadraticGame;
import io.dgan.games.RunResult;
import io.dgan.optimizer.Algorithm;
import io.dgan.optimizer.OptimizerConfig;
import io.dgan.optimizer.PlayerSettings;
import io.dgan.topology.MixingSchedule;
import io.dgan.topology.Topologies;
import io.dgan.topology.TopologySpec;
import io.dgan.topology.TopologyType;
import io.dgan.worker.plot.LogScalePlot;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code dgan game}: runs a validation game (bilinear or noisy quadratic) with M workers as threads in this process
 * over the in-memory transport, and reports the residual at the network average and the consensus distance.
 */
@Command(name = "game", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Run the optimizer on a bilinear or noisy quadratic game with M in-process workers.",
                "Prints progress to stderr; --json prints one JSON summary on stdout; --out writes curve.csv "
                        + "and curve.png."})
public final class GameCommand implements Callable<Integer> {
    /** Bilinear default h: each worker's game differs from the global one, so consensus is really at stake. */
    static final double DEFAULT_BILINEAR_HETEROGENEITY = 0.3;

    @Spec
    CommandSpec spec;

    @Option(names = "--game", defaultValue = "bilinear", description = "bilinear | quadratic (default ${DEFAULT-VALUE})")
    String game;

    @Option(names = "--dim", defaultValue = "10", description = "dimension d of each player (default ${DEFAULT-VALUE})")
    int dim;

    @Option(names = "--workers", defaultValue = "8", description = "number of workers M (default ${DEFAULT-VALUE})")
    int workers;

    @Option(names = "--topology", description = "ring, torus, hypercube, exponential, complete, one-peer-hypercube, "
            + "random-ring, random-matching (default ring; random-ring for rand-dp-oadam)")
    String topology;

    @Option(names = "--algorithm", defaultValue = "dposg",
            description = "gda | dposg | dp-oadam | rand-dp-oadam | cp-oadam (default ${DEFAULT-VALUE})")
    String algorithm;

    @Option(names = "--iterations", defaultValue = "5000", description = "iterations (default ${DEFAULT-VALUE})")
    long iterations;

    @Option(names = "--lr", defaultValue = "0.1", description = "learning rate of both players (default ${DEFAULT-VALUE})")
    double lr;

    @Option(names = "--lr-u", description = "learning rate of u (overrides --lr)")
    Double lrU;

    @Option(names = "--lr-v", description = "learning rate of v (overrides --lr)")
    Double lrV;

    @Option(names = "--beta1", defaultValue = "0.0", description = "Adam β1 (default ${DEFAULT-VALUE})")
    double beta1;

    @Option(names = "--beta2", defaultValue = "0.9", description = "Adam β2 (default ${DEFAULT-VALUE})")
    double beta2;

    @Option(names = "--eps", defaultValue = "1e-8", description = "Adam eps (default ${DEFAULT-VALUE})")
    double eps;

    @Option(names = "--gossip-rounds", defaultValue = "1",
            description = "gossip rounds t per iteration, >= 1 (default ${DEFAULT-VALUE}); a time-varying schedule "
                    + "advances every round")
    int gossipRounds;

    @Option(names = "--initial-direction", defaultValue = "oracle",
            description = "d_0 of the first optimistic half step: oracle or zero (reconstructed; default ${DEFAULT-VALUE})")
    String initialDirection;

    @Option(names = "--local-training",
            description = "allow --gossip-rounds 0: M independent learners that never mix (a baseline, not DPOSG)")
    boolean localTraining;

    @Option(names = "--average-moments", description = "also gossip the Adam moments (dp-oadam)")
    boolean averageMoments;

    @Option(names = "--heterogeneity",
            description = "h: bilinear A_i = A + h·Δ_i (default 0.3, so that the workers really differ and gossip"
                    + " matters); quadratic shard offsets δ_i (default 0: iid shards)")
    Double heterogeneityOption;

    @Option(names = "--noise", defaultValue = "0.0", description = "quadratic: gradient noise σ (default ${DEFAULT-VALUE})")
    double noise;

    @Option(names = "--batch", defaultValue = "1", description = "quadratic: minibatch size m, noise σ/√m (default ${DEFAULT-VALUE})")
    int batch;

    @Option(names = "--seed", defaultValue = "1", description = "game, initial point, noise and schedule seed (default ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--every", defaultValue = "10", description = "sample metrics every k-th iteration (default ${DEFAULT-VALUE})")
    long every;

    @Option(names = "--out", description = "directory for curve.csv and curve.png")
    Path out;

    @Option(names = "--json", description = "print one JSON summary on stdout")
    boolean json;

    @Option(names = "--processes", description = "run each worker as its own JVM ('dgan worker'), gossiping over "
            + "gRPC on loopback, instead of threads in this process")
    boolean processes;

    /** Flags of this command that concern only the launcher, not the workers it starts with --processes. */
    private static final java.util.Set<String> LAUNCHER_ONLY = java.util.Set.of("--processes", "--json", "--out",
            "--workers");

    @Override
    public Integer call() throws IOException {
        Algorithm algo = parseAlgorithm();
        validate();
        String topologyName = topology != null ? topology
                : algo == Algorithm.RAND_DP_OADAM ? "random-ring" : "ring";
        MixingSchedule schedule = buildTopology(topologyName);
        if (algo == Algorithm.RAND_DP_OADAM && schedule.period() == 1 && workers > 1) {
            throw bad("--topology", "rand-dp-oadam needs a per-iteration schedule (random-ring, random-matching, "
                    + "one-peer-hypercube), got '" + topologyName + "'");
        }
        Game g = buildGame();
        OptimizerConfig cfg = buildConfig(algo);

        PrintWriter err = spec.commandLine().getErr();
        long reportEvery = Math.max(every, (iterations / 10 / every) * every);
        err.printf(Locale.ROOT, "game %s d=%d M=%d topology=%s algorithm=%s iterations=%d lr=%g%n",
                g.name(), dim, workers, topologyName, algo.cliName(), iterations, lr);
        err.flush();
        RunResult r = processes ? runProcesses(g) : new GameRunner(g, cfg, schedule).every(every).progress(p -> {
            if (p.iteration() % reportEvery == 0 || p.iteration() == iterations) {
                err.printf(Locale.ROOT, "k=%d residual=%.4g consensus=%.4g%s%n", p.iteration(), p.residual(),
                        p.consensusDistance(), g instanceof QuadraticGame ? String.format(Locale.ROOT,
                                " error=%.4g", p.error()) : "");
                err.flush();
            }
        }).run(iterations);
        if (r.diverged()) {
            err.printf(Locale.ROOT, "diverged at iteration %d (residual %.4g from %.4g); stopped%n",
                    r.iterations(), r.finalResidual(), r.initialResidual());
        }

        if (out != null) {
            writeCurve(r, g, topologyName, algo);
        }
        Map<String, Object> summary = summary(r, g, topologyName, algo);
        if (json) {
            PrintWriter out = spec.commandLine().getOut();
            out.println(JsonOutput.toJson(summary));
            out.flush();
        } else {
            err.printf(Locale.ROOT, "initial residual %.4g, final %.4g (reduction %.3g), consensus distance %.3g "
                            + "(max %.3g), %.2f s%n", r.initialResidual(), r.finalResidual(), r.reduction(),
                    r.last().consensusDistance(), r.maxConsensusDistance(), r.wallSeconds());
            err.flush();
        }
        return 0;
    }

    /** --processes: the same run, each rank a `dgan worker` JVM; the curve then has its start and end only. */
    private RunResult runProcesses(Game g) throws IOException {
        List<String> workerArgs = new java.util.ArrayList<>();
        List<String> original = spec.commandLine().getParseResult().originalArgs();
        // originalArgs holds the whole command line (e.g. "game --dim 10"): keep what follows this subcommand.
        int first = original.indexOf(spec.name()) + 1;
        for (int i = first; i < original.size(); i++) {
            String arg = original.get(i);
            String name = arg.contains("=") ? arg.substring(0, arg.indexOf('=')) : arg;
            if (LAUNCHER_ONLY.contains(name)) {
                boolean takesValue = !name.equals("--processes") && !name.equals("--json") && !arg.contains("=");
                i += takesValue ? 1 : 0;
                continue;
            }
            workerArgs.add(arg);
        }
        Path dir = out != null ? out.resolve("workers") : Files.createTempDirectory("dgan-game-");
        int[] lengths = java.util.Arrays.stream(g.initialPoint()).mapToInt(a -> a.length).toArray();
        long start = System.nanoTime();
        try {
            float[][][] finalParams = new LocalWorkers(workers, workerArgs, dir, spec.commandLine().getErr(),
                    List.of("-XX:+UseSerialGC", "-Xmx256m")).run(lengths);
            return LocalWorkers.result(g, iterations, finalParams, (System.nanoTime() - start) / 1e9);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } finally {
            if (out == null) {
                deleteTree(dir); // the workers' parameter files were only the hand-over to this process
            }
        }
    }

    private static void deleteTree(Path dir) {
        try (java.util.stream.Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // a temporary directory left behind is harmless
        }
    }

    Algorithm parseAlgorithm() {
        try {
            return Algorithm.fromCliName(algorithm);
        } catch (IllegalArgumentException e) {
            throw bad("--algorithm", e.getMessage());
        }
    }

    /** The --heterogeneity flag, or the per-game default when it is absent. */
    double heterogeneity() {
        if (heterogeneityOption != null) {
            return heterogeneityOption;
        }
        return "bilinear".equals(game) ? DEFAULT_BILINEAR_HETEROGENEITY : 0.0;
    }

    void validate() {
        if (!game.equals("bilinear") && !game.equals("quadratic")) {
            throw bad("--game", "expected bilinear or quadratic, got '" + game + "'");
        }
        if (dim < 1) {
            throw bad("--dim", "must be >= 1, got " + dim);
        }
        if (workers < 1) {
            throw bad("--workers", "must be >= 1, got " + workers);
        }
        if (iterations < 1) {
            throw bad("--iterations", "must be >= 1, got " + iterations);
        }
        positive("--lr", lr);
        if (lrU != null) {
            positive("--lr-u", lrU);
        }
        if (lrV != null) {
            positive("--lr-v", lrV);
        }
        if (!(beta1 >= 0 && beta1 < 1)) {
            throw bad("--beta1", "must be in [0, 1), got " + beta1);
        }
        if (!(beta2 >= 0 && beta2 < 1)) {
            throw bad("--beta2", "must be in [0, 1), got " + beta2);
        }
        positive("--eps", eps);
        if (!initialDirection.equals("oracle") && !initialDirection.equals("zero")) {
            throw bad("--initial-direction", "expected oracle or zero, got '" + initialDirection + "'");
        }
        if (gossipRounds < 0) {
            throw bad("--gossip-rounds", "must be >= 1, got " + gossipRounds);
        }
        if (gossipRounds == 0 && !localTraining && workers > 1) {
            throw bad("--gossip-rounds", "0: the workers would never mix (M independent learners); give >= 1, or "
                    + "--local-training to ask for that");
        }
        if (!(heterogeneity() >= 0)) {
            throw bad("--heterogeneity", "must be >= 0, got " + heterogeneity());
        }
        if (!(noise >= 0)) {
            throw bad("--noise", "must be >= 0, got " + noise);
        }
        if (batch < 1) {
            throw bad("--batch", "must be >= 1, got " + batch);
        }
        if (every < 1) {
            throw bad("--every", "must be >= 1, got " + every);
        }
        if (game.equals("bilinear") && noise > 0) {
            throw bad("--noise", "the bilinear game is deterministic; --noise applies to --game quadratic");
        }
    }

    private void positive(String flag, double v) {
        if (!(v > 0) || Double.isInfinite(v)) {
            throw bad(flag, "must be > 0, got " + v);
        }
    }

    MixingSchedule buildTopology(String name) {
        try {
            return Topologies.create(TopologySpec.of(TopologyType.fromName(name), workers).withSeed(seed));
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw bad("--topology", e.getMessage());
        }
    }

    Game buildGame() {
        return game.equals("bilinear")
                ? new BilinearGame(dim, workers, heterogeneity(), seed)
                : new QuadraticGame(dim, workers, heterogeneity(), noise, batch, seed);
    }

    OptimizerConfig buildConfig(Algorithm algo) {
        OptimizerConfig.Builder b = OptimizerConfig.builder(algo)
                .defaults(new PlayerSettings(lr, beta1, beta2, eps))
                .gossipRounds(gossipRounds).averageMoments(averageMoments)
                .initialDirection(initialDirection.equals("zero") ? io.dgan.optimizer.InitialDirection.ZERO
                        : io.dgan.optimizer.InitialDirection.ORACLE);
        if (lrU != null) {
            b.learningRate("u", lrU);
        }
        if (lrV != null) {
            b.learningRate("v", lrV);
        }
        return b.build();
    }

    Map<String, Object> summary(RunResult r, Game g, String topologyName, Algorithm algo) {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("game", g.name());
        s.put("algorithm", algo.cliName());
        s.put("topology", topologyName);
        s.put("workers", workers);
        s.put("dimension", dim);
        s.put("iterations", r.iterations());
        s.put("lr", lr);
        s.put("gossipRounds", gossipRounds);
        s.put("heterogeneity", heterogeneity());
        s.put("seed", seed);
        s.put("initialResidual", finite(r.initialResidual()));
        s.put("finalResidual", finite(r.finalResidual()));
        s.put("reduction", finite(r.reduction()));
        s.put("tailResidual", finite(r.meanResidual(r.iterations() - r.iterations() / 10)));
        s.put("consensusDistance", finite(r.last().consensusDistance()));
        s.put("maxConsensusDistance", finite(r.maxConsensusDistance()));
        s.put("diverged", r.diverged());
        if (g instanceof QuadraticGame) {
            s.put("noise", noise);
            s.put("batch", batch);
            s.put("finalError", finite(r.last().error()));
            s.put("meanErrorLastHalf", finite(r.meanError(r.iterations() / 2)));
        }
        s.put("wallSeconds", r.wallSeconds());
        return s;
    }

    /** JSON has no NaN or infinity: such values become null. */
    private static Double finite(double v) {
        return Double.isFinite(v) ? v : null;
    }

    void writeCurve(RunResult r, Game g, String topologyName, Algorithm algo) throws IOException {
        Files.createDirectories(out);
        boolean withError = g instanceof QuadraticGame;
        StringBuilder csv = new StringBuilder(withError ? "iteration,residual,consensus_distance,error\n"
                : "iteration,residual,consensus_distance\n");
        LogScalePlot plot = new LogScalePlot(String.format(Locale.ROOT, "%s game, %s on %s, M=%d, lr=%s",
                g.name(), algo.cliName(), topologyName, workers, Double.toString(lr)), "iteration", "value (log scale)");
        for (CurvePoint p : r.curve()) {
            csv.append(p.iteration()).append(',').append(p.residual()).append(',').append(p.consensusDistance());
            if (withError) {
                csv.append(',').append(p.error());
            }
            csv.append('\n');
            plot.add("residual ‖T(x̄)‖", p.iteration(), p.residual());
            plot.add("consensus distance", p.iteration(), p.consensusDistance());
            if (withError) {
                plot.add("error ‖x̄ − x*‖²", p.iteration(), p.error());
            }
        }
        try {
            Files.writeString(out.resolve("curve.csv"), csv);
            plot.writePng(out.resolve("curve.png"), 900, 520);
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    private ParameterException bad(String flag, String message) {
        return new ParameterException(spec.commandLine(), flag + ": " + message);
    }
}
