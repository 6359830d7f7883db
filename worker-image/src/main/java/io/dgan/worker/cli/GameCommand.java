package io.dgan.worker.cli;

import io.dgan.games.CurvePoint;
import io.dgan.games.Game;
import io.dgan.games.GameRunner;
import io.dgan.games.QuadraticGame;
import io.dgan.games.RunResult;
import io.dgan.optimizer.Algorithm;
import io.dgan.optimizer.OptimizerConfig;
import io.dgan.topology.MixingSchedule;
import io.dgan.topology.Topologies;
import io.dgan.topology.TopologySpec;
import io.dgan.topology.TopologyType;
import io.dgan.worker.plot.LogScalePlot;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
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
    @Spec
    CommandSpec spec;

    @Option(names = "--workers", defaultValue = "8", description = "number of workers M (default ${DEFAULT-VALUE})")
    int workers;

    @Mixin
    TopologyOptions topology = new TopologyOptions();

    @Mixin
    AlgorithmOptions algorithm = new AlgorithmOptions("dposg");

    @Mixin
    GameOptions options = new GameOptions();

    @Option(names = "--out", description = "directory for curve.csv and curve.png")
    Path out;

    @Option(names = "--json", description = "print one JSON summary on stdout")
    boolean json;

    @Option(names = "--processes", description = "run each worker as its own JVM ('dgan worker'), gossiping over "
            + "gRPC on loopback, instead of threads in this process")
    boolean processes;

    @Override
    public Integer call() throws IOException {
        Algorithm algo = parseAlgorithm();
        validate();
        String topologyName = topology.name(algo);
        MixingSchedule schedule = buildTopology(topologyName);
        if (algo == Algorithm.RAND_DP_OADAM && schedule.period() == 1 && workers > 1) {
            throw bad("--topology", "rand-dp-oadam needs a per-iteration schedule (random-ring, random-matching, "
                    + "one-peer-hypercube), got '" + topologyName + "'");
        }
        Game g = buildGame();
        OptimizerConfig cfg = buildConfig(algo);

        PrintWriter err = spec.commandLine().getErr();
        long iterations = options.iterations;
        long reportEvery = Math.max(options.every, (iterations / 10 / options.every) * options.every);
        err.printf(Locale.ROOT, "game %s d=%d M=%d topology=%s algorithm=%s iterations=%d lr=%g%n",
                g.name(), options.dim, workers, topologyName, algo.cliName(), iterations, options.lr);
        err.flush();
        RunResult r = processes ? runProcesses(g) : new GameRunner(g, cfg, schedule).every(options.every).progress(p -> {
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

    /**
     * --processes: the same run, each rank a `dgan worker` JVM given this command's game, topology and algorithm
     * options; the curve then has its start and end only.
     */
    private RunResult runProcesses(Game g) throws IOException {
        List<String> workerArgs = new java.util.ArrayList<>(options.toArgs());
        workerArgs.addAll(topology.toArgs());
        workerArgs.addAll(algorithm.toArgs());
        Path dir = out != null ? out.resolve("workers") : Files.createTempDirectory("dgan-game-");
        int[] lengths = java.util.Arrays.stream(g.initialPoint()).mapToInt(a -> a.length).toArray();
        long start = System.nanoTime();
        try {
            float[][][] finalParams = new LocalWorkers(workers, workerArgs, dir, spec.commandLine().getErr(),
                    List.of("-XX:+UseSerialGC", "-Xmx256m")).run(lengths);
            return LocalWorkers.result(g, options.iterations, finalParams, (System.nanoTime() - start) / 1e9);
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
        return algorithm.parse(spec.commandLine());
    }

    /** Every flag in its range; the first one out names its flag. */
    void validate() {
        CommandLine cmd = spec.commandLine();
        if (workers < 1) {
            throw bad("--workers", "must be >= 1, got " + workers);
        }
        options.validate(cmd);
        algorithm.initialDirection(cmd);
        topology.checkRounds(cmd, parseAlgorithm(), workers);
    }

    MixingSchedule buildTopology(String name) {
        try {
            return Topologies.create(TopologySpec.of(TopologyType.fromName(name), workers).withSeed(options.seed));
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw bad("--topology", e.getMessage());
        }
    }

    Game buildGame() {
        return options.build(workers);
    }

    OptimizerConfig buildConfig(Algorithm algo) {
        OptimizerConfig.Builder b = OptimizerConfig.builder(algo)
                .defaults(options.playerSettings())
                .gossipRounds(topology.gossipRounds).averageMoments(algorithm.averageMoments)
                .initialDirection(algorithm.initialDirection(spec.commandLine()))
                .secondMoment(algorithm.secondMoment(spec.commandLine()));
        if (options.lrU != null) {
            b.learningRate("u", options.lrU);
        }
        if (options.lrV != null) {
            b.learningRate("v", options.lrV);
        }
        return b.build();
    }

    Map<String, Object> summary(RunResult r, Game g, String topologyName, Algorithm algo) {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("game", g.name());
        s.put("algorithm", algo.cliName());
        s.put("topology", topologyName);
        s.put("workers", workers);
        s.put("dimension", options.dim);
        s.put("iterations", r.iterations());
        s.put("lr", options.lr);
        s.put("gossipRounds", topology.gossipRounds);
        s.put("heterogeneity", options.heterogeneity());
        s.put("seed", options.seed);
        s.put("initialResidual", finite(r.initialResidual()));
        s.put("finalResidual", finite(r.finalResidual()));
        s.put("reduction", finite(r.reduction()));
        s.put("tailResidual", finite(r.meanResidual(r.iterations() - r.iterations() / 10)));
        s.put("consensusDistance", finite(r.last().consensusDistance()));
        s.put("maxConsensusDistance", finite(r.maxConsensusDistance()));
        s.put("diverged", r.diverged());
        if (g instanceof QuadraticGame) {
            s.put("noise", options.noise);
            s.put("batch", options.batch);
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
                g.name(), algo.cliName(), topologyName, workers, Double.toString(options.lr)), "iteration", "value (log scale)");
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
        return Flags.bad(spec.commandLine(), flag, message);
    }
}
