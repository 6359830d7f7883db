package io.dgan.training;

import io.dgan.gossip.ConsensusMonitor;
import io.dgan.gossip.LiveTopology;
import io.dgan.model.GanModel;
import io.dgan.model.NativeBackend;
import io.dgan.optimizer.Player;
import io.dgan.transport.RingAllReduce;
import io.dgan.transport.Transport;
import org.nd4j.linalg.factory.Nd4j;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One rank of a GAN run over any {@link Transport} (gRPC: one rank per process). Builds the rank exactly as one
 * thread of {@link GanTrainer} does ({@link TrainSetup#rank}) and runs the same {@link RankLoop}; at each sync point
 * the observations come from collectives instead of a barrier: every rank saves its own checkpoint, then the
 * mean losses and the consensus distance are all-reduced ({@link ConsensusMonitor}: x̄ is the float all-reduced
 * mean, so the consensus distance agrees with the thread runner's double value to float precision; the parameters
 * are bit-identical). Rank 0 alone prints progress, appends metrics.jsonl, evaluates x̄, writes latest.json
 * (after the all-reduce, so every rank's checkpoint of that iteration is on disk), the plots and summary.json.
 *
 * <p>At the end every rank writes {@code params-rank<r>.f32} (G then D, little-endian float32, atomically); rank 0
 * digests the files present in the run directory (all of them on a shared file system) into summary.json.
 */
public final class GanWorker {
    /** Channel of the loss all-reduce: clear of the optimizers' and the consensus monitor's channels. */
    private static final int LOSS_CHANNEL = RingAllReduce.CHANNEL_BASE + ConsensusMonitor.DEFAULT_CHANNEL_OFFSET + 64;
    private static final long GC_EVERY = 20;

    private final TrainConfig config;
    private final Path runDir;
    private final int rank;
    private final boolean resume;
    private final PrintStream log;
    private final TrainSetup setup;
    private final GanModel averageModel;
    private Evaluator evaluator;
    private java.util.function.Consumer<Progress> progress = p -> { };

    /** What every rank learns at a sync point (the same values on every rank; fid only on rank 0 when evaluated). */
    public record Progress(long iteration, double lossG, double lossD, double consensus, Double fid) {
    }

    private final int threads;
    private java.util.function.Function<io.dgan.optimizer.DecentralizedOptimizer, LiveTopology> live;
    private Path checkpointDir;
    private long resumeAt = -1;
    private StopRequest stop;

    /**
     * Asked to stop (SIGTERM): the rank writes a checkpoint at its next sync point, tells the requester, and ends
     * its run with {@link Stopped}.
     */
    public static final class StopRequest {
        private volatile boolean requested;
        private final java.util.concurrent.CountDownLatch saved = new java.util.concurrent.CountDownLatch(1);
        private volatile long iteration = -1;

        public void request() {
            requested = true;
        }

        boolean requested() {
            return requested;
        }

        void saved(long k) {
            iteration = k;
            saved.countDown();
        }

        /**
         * The run ended without reaching a sync point after the request (it failed, e.g. a neighbour stopped
         * first): the requester stops waiting for a checkpoint at once.
         */
        public void ended() {
            saved.countDown();
        }

        /**
         * Waits up to {@code millis} for the checkpoint; its iteration, or -1 if none was written in time (or the
         * run ended without one).
         */
        public long awaitCheckpoint(long millis) throws InterruptedException {
            return saved.await(millis, java.util.concurrent.TimeUnit.MILLISECONDS) ? iteration : -1;
        }
    }

    /** The run ended early on a {@link StopRequest}, after its checkpoint at {@code iteration}. */
    public static final class Stopped extends RuntimeException {
        public final long iteration;

        Stopped(long iteration) {
            super("stopped at iteration " + iteration + " after writing its checkpoint");
            this.iteration = iteration;
        }
    }

    /** Where this rank's checkpoints go (default: {@code <run dir>/checkpoints}). */
    public GanWorker checkpointDir(Path dir) {
        this.checkpointDir = dir;
        return this;
    }

    /** The checkpoint directory in use. */
    public Path checkpointDirectory() {
        return checkpointDir != null ? checkpointDir : runDir.resolve("checkpoints");
    }

    /** Resume from this rank's checkpoint at {@code iteration} (agreed by all ranks); -1: as the resume flag says. */
    public GanWorker resumeAt(long iteration) {
        this.resumeAt = iteration;
        return this;
    }

    public GanWorker stopRequest(StopRequest request) {
        this.stop = request;
        return this;
    }

    public GanWorker(TrainConfig config, Path runDir, int rank, boolean resume, PrintStream log) {
        this(config, null, 0, runDir, rank, resume, log);
    }

    /** With the mixing schedule and epoch of a topology file (null: built from the config's topology and seed). */
    public GanWorker(TrainConfig config, io.dgan.topology.MixingSchedule schedule, long epoch, Path runDir, int rank,
                     boolean resume, PrintStream log) {
        this(config, schedule, epoch, runDir, rank, resume, log, 0);
    }

    /**
     * @param threads native (ND4J/BLAS/OpenMP) threads of this rank; 0: cores / M (or the configuration's
     *                threadsPerWorker), as the thread runner, for ranks that share a JVM or a machine. A rank alone in
     *                its process (a pod) passes the cores it has: see {@code WorkerCommand}.
     */
    public GanWorker(TrainConfig config, io.dgan.topology.MixingSchedule schedule, long epoch, Path runDir, int rank,
                     boolean resume, PrintStream log, int threads) {
        if (rank < 0 || rank >= config.workers()) {
            throw new IllegalArgumentException("--rank: expected 0.." + (config.workers() - 1) + ", got " + rank);
        }
        this.config = config;
        this.runDir = runDir;
        this.rank = rank;
        this.resume = resume;
        this.log = log;
        // Default cores / M (or --threads-per-worker), as the thread runner: the same float rounding in both modes.
        this.threads = threads > 0 ? threads : GanTrainer.threadsPerWorker(config);
        NativeBackend.limitThreads(this.threads);
        this.setup = TrainSetup.of(config, schedule, epoch);
        this.averageModel = setup.newModel();
    }

    /**
     * Follows topology epochs while it trains (docs/worker-contract.md, "Switching epochs"); the live topology is
     * built from the optimizer once it exists. Collectives are then over the current members; rank 0 keeps the
     * rank 0's duties (metrics.jsonl, evaluation) while it is a member; an excluded rank waits for an epoch that
     * includes it and rejoins with its neighbours' state (parameters, optimizer and spectral-norm state).
     */
    public GanWorker live(java.util.function.Function<io.dgan.optimizer.DecentralizedOptimizer, LiveTopology> f) {
        this.live = f;
        return this;
    }

    public GanWorker evaluator(Evaluator e) {
        this.evaluator = e;
        return this;
    }

    /** Called on every rank at each sync point (metrics export). */
    public GanWorker progress(java.util.function.Consumer<Progress> listener) {
        this.progress = java.util.Objects.requireNonNull(listener);
        return this;
    }

    /** Native threads this rank uses. */
    public int threads() {
        return threads;
    }

    public TrainSetup setup() {
        return setup;
    }

    /** What peers compare at the handshake: the model's layout hash. */
    public long layoutHash() {
        return averageModel.layoutHash();
    }

    /** Lengths of the vectors exchanged: G's and D's parameter counts. */
    public long[] vectorLengths() {
        return averageModel.players().stream().mapToLong(p -> p.params().limit()).toArray();
    }

    /**
     * {@link #run} that ends quietly on a {@link StopRequest} (null instead of a summary), and removes the shutdown
     * hook {@code onStop} (which makes the request) once the run is over, unless the JVM is already stopping.
     */
    public GanTrainer.Summary runUntilStopped(Transport transport, Thread onStop) throws Exception {
        try {
            return run(transport);
        } catch (Stopped stopped) {
            return null;
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(onStop);
            } catch (IllegalStateException stopping) {
                // the hook is running: it waits for the checkpoint
            }
        }
    }

    /** Collective: every rank of the job calls it with its own transport. Returns this rank's summary. */
    public GanTrainer.Summary run(Transport transport) throws Exception {
        NativeBackend.limitCallingThread(threads); // OpenMP's count is per thread: the loop's thread, whichever
        int m = config.workers();
        if (transport.size() != m || transport.rank() != rank) {
            throw new IllegalArgumentException("transport is rank " + transport.rank() + " of " + transport.size()
                    + ", configuration says rank " + rank + " of " + m);
        }
        boolean reporting = rank == 0;
        // Counts time in send/receive for the per-iteration split in metrics.jsonl (new fields; see docs/gan.md).
        io.dgan.transport.TimedTransport timed = new io.dgan.transport.TimedTransport(transport);
        transport = timed;
        RankLoop loop = setup.rank(rank, transport);
        LiveTopology topology = null;
        if (live != null) {
            topology = live.apply(loop.optimizer());
            List<FloatBuffer> joinState = new ArrayList<>(loop.params());
            joinState.addAll(loop.optimizer().stateBuffers().values());
            joinState.addAll(loop.oracle().stateBuffers().values());
            topology.attach(loop.optimizer(), joinState);
        }
        long start = 0;
        boolean joining = topology != null && topology.mustJoin();
        if (joining) {
            start = topology.awaitInclusion().iteration();
        }
        if (reporting) {
            if (!joining) {
                // An agreed resume into a run directory that holds the run checks its configuration, as --resume.
                GanTrainer.prepareRunDirectory(config, runDir,
                        resume || (resumeAt >= 0 && Files.exists(runDir.resolve("config.json"))));
            }
            if (evaluator == null) {
                evaluator = setup.defaultEvaluator(log);
            }
        }
        long layoutHash = layoutHash();
        Path checkpointDir = checkpointDirectory();
        if (resumeAt >= 0 && !joining) {
            start = Checkpoints.load(checkpointDir, rank, resumeAt, layoutHash, loop.optimizer(),
                    loop.oracle().stateBuffers());
            if (start >= config.iterations()) {
                throw new IllegalArgumentException("--iterations " + config.iterations()
                        + " must exceed the checkpoint's iteration " + start + " to resume");
            }
        } else if (resume && !joining) {
            start = Checkpoints.load(checkpointDir, rank, layoutHash, loop.optimizer(),
                    loop.oracle().stateBuffers());
            if (start >= config.iterations()) {
                throw new IllegalArgumentException("--iterations " + config.iterations()
                        + " must exceed the checkpoint's iteration " + start + " to resume");
            }
        }
        long fixedEpoch = setup.optimizerConfig.epoch();
        LiveTopology topo = topology;
        List<FloatBuffer> params = loop.params();
        ConsensusMonitor monitor = new ConsensusMonitor(transport, params);
        // G, D and penalty losses, and at index 3 whether this rank was asked to stop: the stop is agreed in the same
        // all-reduce (its average is above 0 when any rank stops here).
        FloatBuffer losses = FloatBuffer.allocate(4);
        RingAllReduce lossReducer = new RingAllReduce(transport, 4, LOSS_CHANNEL);
        GanTrainer.Metrics metrics = reporting ? new GanTrainer.Metrics(runDir, start) : null;
        Map<String, Object> lastEval = new LinkedHashMap<>();
        long first = start;
        long total = config.iterations();
        long t0 = System.nanoTime();
        IterationSplit split = new IterationSplit(timed, loop.oracle(), first);

        try {
            loop.run(first, k -> {
                boolean checkpointDue = GanTrainer.due(k, config.checkpointEvery()) || k == total;
                if (checkpointDue) {
                    Checkpoints.save(checkpointDir, rank, layoutHash, k, loop.optimizer(),
                            loop.oracle().stateBuffers());
                }
                GanOracle.Losses l = loop.oracle().lastLosses();
                // Whether this rank was asked to stop, decided once for this sync point and told to every member.
                boolean stopHere = stop != null && stop.requested();
                double consensus;
                if (topo == null) {
                    losses.put(0, (float) l.generator()).put(1, (float) l.discriminator()).put(2, (float) l.penalty())
                            .put(3, stopHere ? 1f : 0f);
                    // also a barrier: every checkpoint of k is on disk after it
                    lossReducer.average(losses, fixedEpoch, k);
                    consensus = monitor.distance(fixedEpoch, k);
                } else {
                    // Over the current members, redone under the new epoch if one is adopted while waiting.
                    Double c = topo.collective(() -> {
                        losses.put(0, (float) l.generator()).put(1, (float) l.discriminator())
                                .put(2, (float) l.penalty()).put(3, stopHere ? 1f : 0f);
                        lossReducer.average(losses, topo.collectiveTag(), k, topo.members(), topo.hook());
                        return monitor.distance(topo.collectiveTag(), k, topo.members(), topo.hook());
                    });
                    if (c == null) {
                        return;  // cut out of the graph during the step: the loop waits to rejoin
                    }
                    consensus = c;
                }
                if (losses.get(3) > 0f) {
                    // Some rank stops at this sync point: every rank keeps a checkpoint of it, so that a resume finds
                    // this iteration on every rank even if the others are stopped (or fail) before their next one.
                    if (!checkpointDue) {
                        Checkpoints.save(checkpointDir, rank, layoutHash, k, loop.optimizer(),
                                loop.oracle().stateBuffers());
                    }
                    if (stopHere) {
                        stop.saved(k);
                        throw new Stopped(k);
                    }
                }
                Double fid = null;
                if (reporting) {
                    double seconds = (System.nanoTime() - t0) / 1e9;
                    double rate = (k - first) / Math.max(seconds, 1e-9);
                    Map<String, Object> rec = new LinkedHashMap<>();
                    rec.put("iteration", k);
                    rec.put("lossG", (double) losses.get(0));
                    rec.put("lossD", (double) losses.get(1));
                    if (setup.loss.penalty() != null) {
                        rec.put("penalty", (double) losses.get(2));
                    }
                    rec.put("consensus", consensus);
                    rec.put("itPerSec", rate);
                    rec.put("elapsedS", seconds);
                    split.record(rec, k);
                    split.mark(k);  // the next interval counts this record's evaluation, checkpoint and System.gc()
                    if (topo != null) {
                        rec.put("topologyEpoch", topo.epoch());
                    }
                    if (GanTrainer.due(k, config.evalEvery()) || k == total) {
                        List<Player> target = averageModel.players();
                        for (int b = 0; b < target.size(); b++) {
                            target.get(b).params().put(0, monitor.mean(b), 0, params.get(b).limit());
                        }
                        Map<String, Object> e = GanTrainer.evaluateAverage(evaluator, averageModel, k, runDir,
                                lastEval, rec);
                        fid = e.get("fid") instanceof Number n ? n.doubleValue() : null;
                    }
                    if (GanTrainer.due(k, config.checkpointEvery()) || k == total) {
                        GanTrainer.writeJsonAtomically(checkpointDir.resolve("latest.json"),
                                Map.of("iteration", k, "workers", m));
                    }
                    metrics.append(rec);
                    log.println(GanTrainer.progressLine(k, total, (double) losses.get(0), (double) losses.get(1),
                            consensus, rate, lastEval, rec));
                    log.flush();
                }
                progress.accept(new Progress(k, losses.get(0), losses.get(1), consensus, fid));
                if (k % GC_EVERY == 0 || k - first <= 1) {
                    System.gc(); // frees the native memory of dead ND4J arrays (finalized off-heap buffers)
                }
                if (topo != null && k < total) {
                    topo.agree(k);
                }
            }, topology);
        } catch (Diverged d) {
            // Raised before anything of it was checkpointed: name the newest checkpoint, which holds finite values.
            if (reporting) {
                GanTrainer.writePlotsSoFar(metrics);
            }
            throw d.withCheckpointIn(checkpointDir, rank);
        }
        double wall = (System.nanoTime() - t0) / 1e9;
        writeParams(params);
        if (topo == null) {
            losses.put(0, 0).put(1, 0).put(2, 0).put(3, 0);
            lossReducer.average(losses, fixedEpoch, total + 1);  // barrier: every rank's params file is written
        } else {
            topo.collective(() -> {
                losses.put(0, 0).put(1, 0).put(2, 0).put(3, 0);
                lossReducer.average(losses, topo.collectiveTag(), total + 1, topo.members(), topo.hook());
                return Boolean.TRUE;
            });
        }
        List<String> digests = new ArrayList<>();
        if (reporting) {
            metrics.writePlots();
            for (int r = 0; r < m; r++) {
                Path f = paramsFile(runDir, r);
                if (Files.exists(f)) {
                    digests.add(GanTrainer.digest(readParams(f, vectorLengths())));
                }
            }
        } else {
            digests.add(GanTrainer.digest(params));
        }
        GanTrainer.Summary s = new GanTrainer.Summary(total, start, wall, (total - start) / wall,
                reporting ? metrics.last() : Map.of(), Map.copyOf(lastEval), digests,
                String.format("%016x", layoutHash), runDir.toString(), reporting ? metrics.iterationSplit() : Map.of());
        if (reporting) {
            GanTrainer.writeJsonAtomically(runDir.resolve("summary.json"), s);
        }
        return s;
    }

    public static Path paramsFile(Path runDir, int rank) {
        return runDir.resolve("params-rank" + rank + ".f32");
    }

    /** G then D as little-endian float32, written to a temporary file and renamed. */
    private void writeParams(List<FloatBuffer> blocks) {
        Path target = paramsFile(runDir, rank);
        Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer bytes = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
            for (FloatBuffer b : blocks) {
                for (int i = 0, n = b.limit(); i < n; i++) {
                    if (bytes.remaining() < 4) {
                        drain(bytes, ch);
                    }
                    bytes.putFloat(b.get(i));
                }
            }
            drain(bytes, ch);
            ch.force(true);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + tmp, e);
        }
        try {
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot rename " + tmp + " to " + target, e);
        }
    }

    private static void drain(ByteBuffer bytes, FileChannel ch) throws IOException {
        bytes.flip();
        while (bytes.hasRemaining()) {
            ch.write(bytes);
        }
        bytes.clear();
    }

    /** Reads a params file written by {@link #writeParams}: one buffer per block of the given lengths. */
    public static List<FloatBuffer> readParams(Path file, long[] lengths) {
        try {
            ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
            long expected = 4 * java.util.Arrays.stream(lengths).sum();
            if (bytes.remaining() != expected) {
                throw new IllegalArgumentException(file + ": " + bytes.remaining() + " bytes, expected " + expected);
            }
            FloatBuffer all = bytes.asFloatBuffer();
            List<FloatBuffer> out = new ArrayList<>();
            for (long n : lengths) {
                float[] a = new float[(int) n];
                all.get(a);
                out.add(FloatBuffer.wrap(a));
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }
}
