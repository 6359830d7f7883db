package io.dgan.games;

import io.dgan.gossip.ConsensusMonitor;
import io.dgan.gossip.LiveTopology;
import io.dgan.optimizer.DecentralizedOptimizer;
import io.dgan.optimizer.GradientOracle;
import io.dgan.optimizer.OptimizerConfig;
import io.dgan.optimizer.Optimizers;
import io.dgan.optimizer.Player;
import io.dgan.topology.MixingSchedule;
import io.dgan.transport.Transport;

import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * One rank of a game run over any {@link Transport} (one per process for gRPC; {@link GameRunner} is the
 * in-process equivalent with all ranks as threads). Every rank builds the same {@link Game} from the same seed and
 * calls {@link #run} with the same arguments; the parameters are bit-identical to a {@link GameRunner} run of the
 * same configuration.
 *
 * <p>Metrics come from collectives ({@link ConsensusMonitor}: x̄ and z̄ by all-reduce; residual and error at z̄,
 * see {@link Extrapolation}), so every rank sees the same curve
 * and takes the same decision to stop on divergence. x̄ is the float all-reduced mean here (GameRunner uses a
 * double mean), so metric values agree with GameRunner's to float precision, the parameters exactly.
 */
public final class GameWorker {
    /** Channel offset of the z̄ all-reduce, past the consensus monitor's (one channel per block, plus one). */
    private static final int POINT_CHANNELS = 1 << 10;
    private final Game game;
    private final OptimizerConfig config;
    private final MixingSchedule schedule;
    private final Transport transport;
    private long every = 10;
    private double divergenceFactor = 1e6;
    private Consumer<CurvePoint> progress = p -> { };
    private java.util.function.Function<DecentralizedOptimizer, LiveTopology> live;

    public GameWorker(Game game, OptimizerConfig config, MixingSchedule schedule, Transport transport) {
        this.game = Objects.requireNonNull(game, "game");
        this.config = Objects.requireNonNull(config, "config");
        this.schedule = schedule;
        this.transport = Objects.requireNonNull(transport, "transport");
        if (transport.size() != game.workers()) {
            throw new IllegalArgumentException("transport has " + transport.size() + " ranks, game has "
                    + game.workers() + " workers");
        }
    }

    public GameWorker every(long k) {
        if (k < 1) {
            throw new IllegalArgumentException("every must be >= 1, got " + k);
        }
        this.every = k;
        return this;
    }

    public GameWorker divergenceFactor(double factor) {
        this.divergenceFactor = factor;
        return this;
    }

    /**
     * Follows topology epochs while it runs (docs/worker-contract.md, "Switching epochs"): the live topology is
     * built from the optimizer once it exists. Metrics are then over the current members; an excluded rank waits
     * for an epoch that includes it and rejoins with its neighbours' state. Without it the topology is fixed.
     */
    public GameWorker live(java.util.function.Function<DecentralizedOptimizer, LiveTopology> factory) {
        this.live = factory;
        return this;
    }

    public GameWorker progress(Consumer<CurvePoint> listener) {
        this.progress = Objects.requireNonNull(listener);
        return this;
    }

    /**
     * Collective: runs the iterations on this rank. The result's {@code finalParameters()[0]} is this rank's
     * parameters (one array per player).
     */
    public RunResult run(long iterations) {
        long started = System.nanoTime();
        GradientOracle oracle = game.oracle(transport.rank());
        List<FloatBuffer> params = oracle.players().stream().map(Player::params).toList();
        DecentralizedOptimizer opt = Optimizers.create(config, oracle, transport, schedule);
        ConsensusMonitor monitor = new ConsensusMonitor(transport, params);
        List<FloatBuffer> points = Extrapolation.buffers(params);
        ConsensusMonitor pointMonitor = new ConsensusMonitor(transport, points,
                ConsensusMonitor.DEFAULT_CHANNEL_OFFSET + POINT_CHANNELS);
        LiveTopology topology = null;
        double[] limit = {Double.POSITIVE_INFINITY};
        if (live != null) {
            topology = live.apply(opt);
            List<FloatBuffer> joinState = new ArrayList<>(params);
            joinState.addAll(opt.stateBuffers().values());
            topology.attach(opt, joinState).extra(() -> new long[] {Double.doubleToRawLongBits(limit[0]), 0});
        }
        List<CurvePoint> curve = new ArrayList<>();
        long first = 0;
        if (topology != null && topology.mustJoin()) {
            LiveTopology.Welcome w = topology.awaitInclusion();
            first = w.iteration();
            limit[0] = Double.longBitsToDouble(w.extra()[0]);
        } else {
            CurvePoint start = measure(monitor, null, null, topology, params.size(), 0);
            curve.add(start);
            progress.accept(start);
            limit[0] = start.residual() * divergenceFactor;
        }
        boolean diverged = false;
        long done = first;
        for (long k = first + 1; k <= iterations; k++) {
            if (topology != null) {
                topology.beforeIteration(k);
                if (topology.excluded()) {
                    k = topology.awaitInclusion().iteration();  // rejoined: go on after its neighbours' iteration
                    done = k;
                    continue;
                }
            }
            opt.step(k);
            done = k;
            if (k % every == 0 || k == iterations) {
                Extrapolation.fill(opt, config, points);
                CurvePoint p = measure(monitor, pointMonitor, opt, topology, params.size(), k);
                if (p == null) {
                    continue;  // cut out of the graph during the step: rejoin at the next iteration's check
                }
                curve.add(p);
                progress.accept(p);
                if (!(p.residual() <= limit[0])) {  // the same value on every rank: all stop together
                    diverged = true;
                    break;
                }
                if (topology != null && k < iterations) {
                    topology.agree(k);
                }
            }
        }
        float[][] mine = new float[params.size()][];
        for (int b = 0; b < params.size(); b++) {
            mine[b] = new float[params.get(b).limit()];
            params.get(b).get(0, mine[b]);
        }
        return new RunResult(List.copyOf(curve), done, diverged, new float[][][] {mine},
                (System.nanoTime() - started) / 1e9);
    }

    /**
     * The metrics at a sync point (collective over the members); null if this rank is excluded. Residual and error
     * at z̄ (pointMonitor's mean of the filled points; x̄ at iteration 0, pointMonitor null), consensus of x.
     */
    private CurvePoint measure(ConsensusMonitor monitor, ConsensusMonitor pointMonitor, DecentralizedOptimizer opt,
                               LiveTopology topology, int blocks, long k) {
        java.util.function.Supplier<Double> both = () -> {
            double d = monitor.distance(topology == null ? config.epoch() : topology.collectiveTag(), k,
                    topology == null ? null : topology.members(), topology == null ? null : topology.hook());
            if (pointMonitor != null) {
                pointMonitor.distance(topology == null ? config.epoch() : topology.collectiveTag(), k,
                        topology == null ? null : topology.members(), topology == null ? null : topology.hook());
            }
            return d;
        };
        Double measured = topology == null ? both.get() : topology.collective(both::get);
        if (measured == null) {
            return null;
        }
        double consensus = measured;
        ConsensusMonitor at = pointMonitor != null ? pointMonitor : monitor;
        double[][] mean = new double[blocks][];
        for (int b = 0; b < blocks; b++) {
            FloatBuffer m = at.mean(b);
            mean[b] = new double[m.limit()];
            for (int i = 0; i < mean[b].length; i++) {
                mean[b][i] = m.get(i);
            }
        }
        return new CurvePoint(k, game.residual(mean), consensus,
                game.hasKnownSolution() ? game.error(mean) : Double.NaN);
    }
}
