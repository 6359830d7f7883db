package io.dgan.games;

import io.dgan.gossip.ConsensusDistance;
import io.dgan.optimizer.DecentralizedOptimizer;
import io.dgan.optimizer.GradientOracle;
import io.dgan.optimizer.OptimizerConfig;
import io.dgan.optimizer.Optimizers;
import io.dgan.optimizer.Player;
import io.dgan.topology.MixingSchedule;
import io.dgan.transport.InMemoryNetwork;

import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CyclicBarrier;
import java.util.function.Consumer;

/**
 * Runs a game with M workers as threads over an {@link InMemoryNetwork}: each worker its own oracle and optimizer,
 * all from the same initial point. Every {@code every}-th iteration the workers meet at a barrier and the residual
 * and error at z̄ (the average of the next evaluation points, algorithm.md's output; {@link Extrapolation}) and the
 * consensus distance of x are computed from their live buffers.
 *
 * <p>The barrier only observes: each rank's arithmetic depends on its inputs and the vectors it receives, never on
 * thread timing, so the parameters are bit-identical from run to run (and to a multi-process run over another
 * transport with the same configuration).
 */
public final class GameRunner {
    private final Game game;
    private final OptimizerConfig config;
    private final MixingSchedule schedule;
    private long every = 10;
    private double divergenceFactor = 1e6;
    private Consumer<CurvePoint> progress = p -> { };

    /**
     * @param schedule W per iteration; may be null for cp-oadam or a single worker
     */
    public GameRunner(Game game, OptimizerConfig config, MixingSchedule schedule) {
        this.game = Objects.requireNonNull(game, "game");
        this.config = Objects.requireNonNull(config, "config");
        this.schedule = schedule;
        if (schedule != null && schedule.workers() != game.workers()) {
            throw new IllegalArgumentException("topology has " + schedule.workers() + " workers, game has "
                    + game.workers());
        }
    }

    /** Sample metrics every k-th iteration (and at the last one). */
    public GameRunner every(long k) {
        if (k < 1) {
            throw new IllegalArgumentException("every must be >= 1, got " + k);
        }
        this.every = k;
        return this;
    }

    /** Stop once the residual exceeds factor × the initial one (or is not finite). Default 1e6. */
    public GameRunner divergenceFactor(double factor) {
        this.divergenceFactor = factor;
        return this;
    }

    /** Called with every sampled point, from the barrier (keep it cheap). */
    public GameRunner progress(Consumer<CurvePoint> listener) {
        this.progress = Objects.requireNonNull(listener);
        return this;
    }

    public RunResult run(long iterations) {
        int m = game.workers();
        List<GradientOracle> oracles = new ArrayList<>();
        List<List<FloatBuffer>> params = new ArrayList<>();
        for (int r = 0; r < m; r++) {
            GradientOracle oracle = game.oracle(r);
            oracles.add(oracle);
            params.add(oracle.players().stream().map(Player::params).toList());
        }
        DecentralizedOptimizer[] opts = new DecentralizedOptimizer[m];
        List<List<FloatBuffer>> points = new ArrayList<>();
        for (int r = 0; r < m; r++) {
            points.add(Extrapolation.buffers(params.get(r)));
        }
        List<CurvePoint> curve = new ArrayList<>();
        CurvePoint start = measure(params, null, points, 0);
        curve.add(start);
        progress.accept(start);
        double limit = start.residual() * divergenceFactor;

        long[] sampledAt = {0};
        boolean[] stop = {false};
        CyclicBarrier barrier = new CyclicBarrier(m, () -> {
            CurvePoint p = measure(params, opts, points, sampledAt[0]);
            curve.add(p);
            progress.accept(p);
            if (!(p.residual() <= limit)) {
                stop[0] = true;
            }
        });
        long[] done = new long[m];
        Throwable[] failure = new Throwable[1];
        long started = System.nanoTime();
        try (InMemoryNetwork net = new InMemoryNetwork(m)) {
            List<Thread> threads = new ArrayList<>();
            for (int r = 0; r < m; r++) {
                int rank = r;
                Thread t = new Thread(() -> {
                    try {
                        DecentralizedOptimizer opt = Optimizers.create(config, oracles.get(rank),
                                net.transport(rank), schedule);
                        opts[rank] = opt;  // read by the barrier action after await()
                        for (long k = 1; k <= iterations; k++) {
                            opt.step(k);
                            done[rank] = k;
                            if (k % every == 0 || k == iterations) {
                                if (rank == 0) {
                                    sampledAt[0] = k;  // published to the barrier action by await()
                                }
                                barrier.await();
                                if (stop[0]) {
                                    break;
                                }
                            }
                        }
                    } catch (Throwable e) {
                        synchronized (failure) {
                            if (failure[0] == null) {
                                failure[0] = e;
                            }
                        }
                        barrier.reset();
                        net.close();
                    }
                }, "game-rank-" + r);
                threads.add(t);
                t.start();
            }
            for (Thread t : threads) {
                t.join();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running the game", e);
        }
        if (failure[0] != null) {
            Throwable root = failure[0];
            if (root instanceof BrokenBarrierException) {
                root = new IllegalStateException("a worker failed", root);
            }
            if (root instanceof RuntimeException re) {
                throw re;
            }
            throw new IllegalStateException("worker failed: " + root, root);
        }
        double wall = (System.nanoTime() - started) / 1e9;
        float[][][] finalParams = new float[m][][];
        for (int r = 0; r < m; r++) {
            List<FloatBuffer> mine = params.get(r);
            finalParams[r] = new float[mine.size()][];
            for (int b = 0; b < mine.size(); b++) {
                float[] copy = new float[mine.get(b).limit()];
                mine.get(b).get(0, copy);
                finalParams[r][b] = copy;
            }
        }
        return new RunResult(List.copyOf(curve), done[0], stop[0], finalParams, wall);
    }

    /**
     * Residual and error at z̄ ({@link Extrapolation}; x̄ before the first step), consensus distance of x. {@code opts}
     * null: iteration 0.
     */
    private CurvePoint measure(List<List<FloatBuffer>> params, DecentralizedOptimizer[] opts,
                               List<List<FloatBuffer>> points, long iteration) {
        double[][] avg = ConsensusDistance.average(params);
        double[][] at = avg;
        if (opts != null) {
            for (int r = 0; r < opts.length; r++) {
                Extrapolation.fill(opts[r], config, points.get(r));
            }
            at = ConsensusDistance.average(points);
        }
        return new CurvePoint(iteration, game.residual(at), ConsensusDistance.distance(params, avg),
                game.hasKnownSolution() ? game.error(at) : Double.NaN);
    }
}
