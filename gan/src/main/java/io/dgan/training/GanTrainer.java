package io.dgan.training;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.dgan.evaluation.Curves;
import io.dgan.gossip.ConsensusDistance;
import io.dgan.loss.AdversarialLoss;
import io.dgan.model.GanModel;
import io.dgan.model.NativeBackend;
import io.dgan.optimizer.Algorithm;
import io.dgan.optimizer.DecentralizedOptimizer;
import io.dgan.optimizer.Player;
import io.dgan.topology.MixingSchedule;
import io.dgan.transport.InMemoryNetwork;
import io.dgan.transport.TimedTransport;
import org.nd4j.linalg.factory.Nd4j;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CyclicBarrier;

/**
 * In-process decentralized GAN training: M workers as threads, each with its own G and D (same initial point),
 * its own data shard and its own optimizer over the engine's in-memory transport. At sync points (every
 * {@code logEvery} iterations, evaluations, checkpoints) the workers meet at a barrier that only observes: losses,
 * the consensus distance, evaluation of the network average, atomic checkpoints of every rank.
 *
 * <p>Run directory: config.json, metrics.jsonl, samples/ (grids or scatter plots per evaluation), curves
 * (losses.png, consensus.png, and one PNG per evaluation metric: fid.png, kid.png, inceptionScore.png or
 * modesCovered.png, highQualityFraction.png), snapshots/G-iter-K.bin (the averaged generator at each
 * evaluation, scored later by dgan eval), checkpoints/rank-R.ckpt + checkpoints/latest.json,
 * summary.json.
 */
public final class GanTrainer {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final ObjectMapper JSON_LINE = new ObjectMapper();
    private static final long GC_EVERY = 20;

    private final TrainConfig config;
    private final Path runDir;
    private final boolean resume;
    private final PrintStream log;
    private Evaluator evaluator;

    /**
     * Result of a run. {@code paramDigests}: per rank, SHA-256 (16 hex digits) of its G and D parameters;
     * {@code iterationSplit}: rank 0's mean time per iteration over the run, split as in metrics.jsonl
     * ({@link IterationSplit}; empty when no record carried it).
     */
    public record Summary(long iterations, long startIteration, double wallSeconds, double iterationsPerSecond,
                          Map<String, Object> lastMetrics, Map<String, Object> finalEvaluation,
                          List<String> paramDigests, String layoutHash, String runDir,
                          Map<String, Object> iterationSplit) {
    }

    /**
     * One line from an iteration split (summary.json's {@code iterationSplit}): mean milliseconds per iteration in
     * compute, waiting for gossip and all-reduce (send and receive), garbage collection and the rest.
     */
    public static String splitLine(Map<?, ?> split) {
        java.util.function.ToDoubleFunction<String> ms = key -> split.get(key) instanceof Number n ? n.doubleValue()
                : Double.NaN;
        return String.format(java.util.Locale.ROOT, "time per iteration %.1f ms: compute %.1f, gossip/all-reduce wait "
                        + "%.1f (send %.1f, receive %.1f), gc %.1f, other %.1f", ms.applyAsDouble("iterMs"),
                ms.applyAsDouble("computeMs"), ms.applyAsDouble("sendMs") + ms.applyAsDouble("receiveMs"),
                ms.applyAsDouble("sendMs"), ms.applyAsDouble("receiveMs"), ms.applyAsDouble("gcMs"),
                ms.applyAsDouble("otherMs"));
    }

    public GanTrainer(TrainConfig config, Path runDir, boolean resume, PrintStream log) {
        this.config = config;
        this.runDir = runDir;
        this.resume = resume;
        this.log = log;
    }

    /** Replaces the default evaluator (mode coverage for mixtures, sample grids + FID/KID for images). */
    public GanTrainer evaluator(Evaluator e) {
        this.evaluator = e;
        return this;
    }

    public static int threadsPerWorker(TrainConfig c) {
        if (c.threadsPerWorker() > 0) {
            return c.threadsPerWorker();
        }
        return Math.max(1, Runtime.getRuntime().availableProcessors() / c.workers());
    }

    public Summary run() {
        int m = config.workers();
        Algorithm algorithm = Algorithm.fromCliName(config.algorithm());
        int threads = threadsPerWorker(config);
        // One ND4J backend serves all worker threads: cap each op's native/BLAS threads so M workers share the
        // cores; OpenMP (oneDNN) counts per calling thread, so each worker thread caps its own below.
        NativeBackend.limitThreads(threads);

        String changed = prepareRunDirectory(config, runDir, resume);
        if (changed != null) {
            log.println("dgan train: " + changed);
        }
        TrainSetup setup = TrainSetup.of(config);
        AdversarialLoss loss = setup.loss;
        if (evaluator == null) {
            evaluator = setup.defaultEvaluator(log);
        }
        MixingSchedule schedule = setup.schedule();

        List<GanOracle> oracles = new ArrayList<>();
        List<DecentralizedOptimizer> optimizers = new ArrayList<>();
        List<RankLoop> loops = new ArrayList<>();
        InMemoryNetwork network = new InMemoryNetwork(m);
        // Rank 0's time in the transport, for the split of an iteration in metrics.jsonl (as the worker processes').
        TimedTransport timed = new TimedTransport(network.transport(0));
        for (int r = 0; r < m; r++) {
            RankLoop loop = setup.rank(r, r == 0 ? timed : network.transport(r));
            loops.add(loop);
            oracles.add(loop.oracle());
            optimizers.add(loop.optimizer());
        }
        GanModel averageModel = setup.newModel();
        long layoutHash = averageModel.layoutHash();
        log.printf("dgan train: %d workers (%s), %s, %s on %s, loss %s, batch %d; G %,d + D %,d params; "
                        + "%d ND4J thread(s) per op; layout %016x%n",
                m, schedule == null ? "no gossip" : config.topology(), algorithm, config.model(), config.dataset(),
                loss.name(), config.batch(), averageModel.generator().numParams(),
                averageModel.discriminator().numParams(), threads, layoutHash);

        Path checkpointDir = runDir.resolve("checkpoints");
        long start = 0;
        if (resume) {
            for (int r = 0; r < m; r++) {
                long it = Checkpoints.load(checkpointDir, r, layoutHash, optimizers.get(r),
                        oracles.get(r).stateBuffers());
                if (r > 0 && it != start) {
                    throw new IllegalArgumentException(checkpointDir + ": ranks' checkpoints are at different "
                            + "iterations (" + start + " and " + it + ")");
                }
                start = it;
            }
            if (start >= config.iterations()) {
                throw new IllegalArgumentException("--iterations " + config.iterations()
                        + " must exceed the checkpoint's iteration " + start + " to resume");
            }
            log.printf("resuming from iteration %d%n", start);
        }
        Metrics metrics = new Metrics(runDir, start);

        List<List<FloatBuffer>> params = new ArrayList<>();
        for (GanOracle o : oracles) {
            params.add(o.players().stream().map(Player::params).toList());
        }
        long first = start;
        long total = config.iterations();
        long[] at = {0};
        Map<String, Object> lastEval = new LinkedHashMap<>();
        long t0 = System.nanoTime();
        IterationSplit split = new IterationSplit(timed, oracles.get(0), first);
        Runnable observe = () -> {
            long k = at[0];
            double seconds = (System.nanoTime() - t0) / 1e9;
            double rate = (k - first) / Math.max(seconds, 1e-9);
            Map<String, Object> rec = new LinkedHashMap<>();
            rec.put("iteration", k);
            double lg = 0;
            double ld = 0;
            double pen = 0;
            for (GanOracle o : oracles) {
                lg += o.lastLosses().generator() / m;
                ld += o.lastLosses().discriminator() / m;
                pen += o.lastLosses().penalty() / m;
            }
            double[][] average = ConsensusDistance.average(params);
            double consensus = ConsensusDistance.distance(params, average);
            rec.put("lossG", lg);
            rec.put("lossD", ld);
            if (loss.penalty() != null) {
                rec.put("penalty", pen);
            }
            rec.put("consensus", consensus);
            rec.put("itPerSec", rate);
            rec.put("elapsedS", seconds);
            split.record(rec, k);
            split.mark(k);
            if (due(k, config.evalEvery()) || k == total) {
                List<Player> target = averageModel.players();
                for (int b = 0; b < target.size(); b++) {
                    FloatBuffer dst = target.get(b).params();
                    double[] src = average[b];
                    for (int i = 0; i < src.length; i++) {
                        dst.put(i, (float) src[i]);
                    }
                }
                evaluateAverage(evaluator, averageModel, k, runDir, lastEval, rec);
            }
            if (due(k, config.checkpointEvery()) || k == total) {
                for (int r = 0; r < m; r++) {
                    Checkpoints.save(checkpointDir, r, layoutHash, k, optimizers.get(r),
                            oracles.get(r).stateBuffers());
                }
                writeJsonAtomically(checkpointDir.resolve("latest.json"), Map.of("iteration", k, "workers", m));
            }
            metrics.append(rec);
            String line = progressLine(k, total, lg, ld, consensus, rate, lastEval, rec);
            log.println(line);
            if (k % GC_EVERY == 0 || k - first <= 1) {
                System.gc(); // frees the native memory of dead ND4J arrays (finalized off-heap buffers)
            }
        };

        CyclicBarrier barrier = new CyclicBarrier(m, observe);
        Throwable[] failure = new Throwable[1];
        try {
            List<Thread> workers = new ArrayList<>();
            for (int r = 0; r < m; r++) {
                int rank = r;
                Thread t = new Thread(() -> {
                    try {
                        NativeBackend.limitCallingThread(threads);
                        loops.get(rank).run(first, k -> {
                            at[0] = k; // every rank writes the same k; the barrier publishes it
                            barrier.await();
                        });
                    } catch (Throwable e) {
                        synchronized (failure) {
                            if (failure[0] == null) {
                                failure[0] = e;
                            }
                        }
                        barrier.reset();
                        network.close();
                    }
                }, "dgan-worker-" + r);
                workers.add(t);
                t.start();
            }
            for (Thread t : workers) {
                t.join();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } finally {
            network.close();
        }
        if (failure[0] != null) {
            Throwable root = failure[0];
            if (root instanceof BrokenBarrierException && root.getCause() != null) {
                root = root.getCause();
            }
            if (root instanceof Diverged d) {
                writePlotsSoFar(metrics);
                throw d.withCheckpointIn(checkpointDir, d.rank());
            }
            if (root instanceof RuntimeException re) {
                throw re;
            }
            throw new IllegalStateException("worker failed: " + root, root);
        }
        double wall = (System.nanoTime() - t0) / 1e9;
        metrics.writePlots();
        List<String> digests = new ArrayList<>();
        for (List<FloatBuffer> rank : params) {
            digests.add(digest(rank));
        }
        Summary s = new Summary(total, start, wall, (total - start) / wall, metrics.last(), Map.copyOf(lastEval),
                digests, String.format("%016x", layoutHash), runDir.toString(), metrics.iterationSplit());
        writeJsonAtomically(runDir.resolve("summary.json"), s);
        return s;
    }

    /**
     * Both runners' evaluation of the network average at iteration k (already in {@code model}): its snapshot, the
     * scores into {@code lastEval} (replaced) and into the record, with the time it took. Returns the scores.
     */
    static Map<String, Object> evaluateAverage(Evaluator evaluator, GanModel model, long k, Path runDir,
                                               Map<String, Object> lastEval, Map<String, Object> rec) {
        long evalStart = System.nanoTime();
        Snapshots.save(runDir, k, model);
        Map<String, Object> e = evaluator.evaluate(model, k, runDir);
        lastEval.clear();
        lastEval.putAll(e);
        rec.putAll(e);
        rec.put("evalS", (System.nanoTime() - evalStart) / 1e9);
        return e;
    }

    /**
     * The plots of the records so far, for a run that stopped early (it diverged): the curves that led there. A
     * failure to draw them must not hide why the run stopped.
     */
    static void writePlotsSoFar(Metrics metrics) {
        try {
            metrics.writePlots();
        } catch (RuntimeException e) {
            // the records are in metrics.jsonl
        }
    }

    /** The progress line of both runners: iteration, losses, consensus distance, it/s, ETA, latest evaluation. */
    static String progressLine(long k, long total, double lg, double ld, double consensus, double rate,
                               Map<String, Object> lastEval, Map<String, Object> rec) {
        double eta = rate > 0 ? (total - k) / rate : Double.NaN;
        StringBuilder line = new StringBuilder(String.format("[it %d/%d] G %.4f  D %.4f  consensus %.3g  %.2f it/s  ETA %s",
                k, total, lg, ld, consensus, rate, formatDuration(eta)));
        lastEval.forEach((key, v) -> {
            if (rec.containsKey(key) && !key.equals("modes") && !key.equals("evalSamples")) {
                line.append("  ").append(key).append(' ').append(v instanceof Double d ? String.format("%.4g", d) : v);
            }
        });
        return line.toString();
    }

    static boolean due(long k, long every) {
        return every > 0 && k % every == 0;
    }

    /**
     * Creates the run directory and writes config.json; with resume, checks the saved config matches (the learning
     * rates may differ: see {@link TrainConfig#resumeIdentity}). Returns a line naming the learning rates a resume
     * changes, else null.
     */
    public static String prepareRunDirectory(TrainConfig config, Path runDir, boolean resume) {
        String changed = null;
        try {
            Files.createDirectories(runDir);
            Path cfg = runDir.resolve("config.json");
            if (resume) {
                if (!Files.exists(cfg)) {
                    throw new IllegalArgumentException("--resume: " + cfg + " not found (not a run directory?)");
                }
                TrainConfig saved = JSON.readValue(cfg.toFile(), TrainConfig.class);
                if (!saved.resumeIdentity().equals(config.resumeIdentity())) {
                    JsonNode a = JSON.valueToTree(saved.resumeIdentity());
                    JsonNode b = JSON.valueToTree(config.resumeIdentity());
                    List<String> diff = new ArrayList<>();
                    a.fieldNames().forEachRemaining(f -> {
                        if (!a.get(f).equals(b.get(f))) {
                            diff.add(f + " (" + a.get(f) + " in the run, " + b.get(f) + " now)");
                        }
                    });
                    throw new IllegalArgumentException("--resume: configuration differs from " + cfg + ": " + diff);
                }
                if (saved.lrG() != config.lrG() || saved.lrD() != config.lrD()) {
                    changed = String.format(java.util.Locale.ROOT, "--resume with other learning rates: G %s -> %s, "
                            + "D %s -> %s (the checkpoint's optimizer state is kept; config.json now holds the new "
                            + "ones)", saved.lrG(), config.lrG(), saved.lrD(), config.lrD());
                }
            } else if (Files.exists(runDir.resolve("checkpoints").resolve("latest.json"))) {
                throw new IllegalArgumentException("--run-dir " + runDir + " already holds a run: pass --resume "
                        + "to continue it or choose another directory");
            }
            writeJsonAtomically(cfg, config);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare run directory " + runDir, e);
        }
        return changed;
    }

    public static void writeJsonAtomically(Path file, Object value) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            JSON.writeValue(tmp.toFile(), value);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    public static String digest(List<FloatBuffer> blocks) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            java.nio.ByteBuffer bytes = java.nio.ByteBuffer.allocate(4 * 4096);
            for (FloatBuffer b : blocks) {
                for (int i = 0; i < b.limit(); i++) {
                    if (!bytes.hasRemaining()) {
                        bytes.flip();
                        md.update(bytes);
                        bytes.clear();
                    }
                    bytes.putFloat(b.get(i));
                }
            }
            bytes.flip();
            md.update(bytes);
            return HexFormat.of().formatHex(md.digest()).substring(0, 16);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public static String formatDuration(double seconds) {
        if (!Double.isFinite(seconds)) {
            return "?";
        }
        long s = Math.round(seconds);
        return s >= 3600 ? String.format("%dh%02dm", s / 3600, (s % 3600) / 60)
                : s >= 60 ? String.format("%dm%02ds", s / 60, s % 60) : s + "s";
    }

    /** metrics.jsonl (truncated to the checkpoint on resume) and the curves drawn from it. */
    static final class Metrics {
        private final Path file;
        private final Path dir;
        private final List<Map<String, Object>> records = new ArrayList<>();

        @SuppressWarnings("unchecked")
        Metrics(Path dir, long keepUpTo) {
            this.dir = dir;
            this.file = dir.resolve("metrics.jsonl");
            try {
                List<String> kept = new ArrayList<>();
                if (keepUpTo > 0 && Files.exists(file)) {
                    for (String l : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                        if (l.isBlank()) {
                            continue;
                        }
                        Map<String, Object> rec = JSON_LINE.readValue(l, Map.class);
                        if (((Number) rec.get("iteration")).longValue() <= keepUpTo) {
                            records.add(rec);
                            kept.add(l);
                        }
                    }
                }
                Files.write(file, kept, StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot prepare " + file, e);
            }
        }

        void append(Map<String, Object> rec) {
            records.add(rec);
            try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.APPEND)) {
                w.write(JSON_LINE.writeValueAsString(rec));
                w.newLine();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot append to " + file, e);
            }
        }

        Map<String, Object> last() {
            return records.isEmpty() ? Map.of() : records.get(records.size() - 1);
        }

        /**
         * The split of the run's records as one mean per iteration: each record's means weighted by the
         * iterations it covers.
         */
        Map<String, Object> iterationSplit() {
            Map<String, Object> split = new LinkedHashMap<>();
            long previous = 0;
            long covered = 0;
            for (Map<String, Object> r : records) {
                long k = ((Number) r.get("iteration")).longValue();
                long n = k - previous;
                previous = k;
                if (!r.containsKey("iterMs") || n <= 0) {
                    continue;
                }
                covered += n;
                for (String key : IterationSplit.FIELDS) {
                    split.merge(key, num(r.get(key)) * n, (a, b) -> (Double) a + (Double) b);
                }
            }
            long total = covered;
            split.replaceAll((key, sum) -> total == 0 ? 0.0 : (Double) sum / total);
            return split;
        }

        void writePlots() {
            if (records.isEmpty()) {
                return;  // stopped before its first record (a divergence at the first step): nothing to draw
            }
            Curves losses = new Curves("Losses (mean over workers)", "loss", false);
            Curves consensus = new Curves("Consensus distance (1/M) Σ‖x_i − x̄‖²", "consensus distance", true);
            Map<String, Curves> quality = new LinkedHashMap<>();
            for (Map<String, Object> r : records) {
                double k = ((Number) r.get("iteration")).doubleValue();
                losses.add("G", k, num(r.get("lossG")));
                losses.add("D", k, num(r.get("lossD")));
                consensus.add("consensus", k, num(r.get("consensus")));
                for (String key : List.of("fid", "kid", "inceptionScore", "modesCovered", "highQualityFraction")) {
                    if (r.containsKey(key)) {
                        quality.computeIfAbsent(key, q -> new Curves(q + " of the network average", q, false))
                                .add(key, k, num(r.get(key)));
                    }
                }
            }
            losses.writePng(dir.resolve("losses.png"), 800, 450);
            consensus.writePng(dir.resolve("consensus.png"), 800, 450);
            quality.forEach((key, c) -> c.writePng(dir.resolve(key + ".png"), 800, 450));
        }

        private static double num(Object o) {
            return o instanceof Number n ? n.doubleValue() : Double.NaN;
        }
    }
}
