package io.dgan.optimizer;

import io.dgan.gossip.Gossip;
import io.dgan.topology.MixingSchedule;
import io.dgan.transport.RingAllReduce;
import io.dgan.transport.Transport;

import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Optimistic Adam, decentralized (dp-oadam, rand-dp-oadam) or centralized (cp-oadam), per algorithm.md:
 * <pre>
 *   x̂ = gossip_t(x)                      (dp: in place; cp: no gossip, x is identical everywhere)
 *   z = x̂ − η d_prev                     in place; the oracle evaluates at z
 *   g = ĝ(z)                             (cp: all-reduce-averaged, bit-identical on every worker)
 *   m = β1 m + (1−β1) g;  v = β2 v + (1−β2) g²;  s += 1
 *   d = (m / (1−β1^s)) / (sqrt(v / (1−β2^s)) + eps)
 *   x = z + η (d_prev − d)  (= x̂ − η d);  d_prev = d     one fused pass
 * </pre>
 * State per player: "name.m", "name.v", "name.previousDirection"; the step count is s.
 *
 * <p>With {@link SecondMoment#NEIGHBOURHOOD} (dp only) v is formed from a copy of g gossiped with the neighbours'
 * on its own channels (the same rounds and W as the parameters), m from the local g. With
 * {@link SecondMoment#GLOBAL} (dp only, a measurement) v is formed from a copy of g all-reduced over every worker on
 * the collective channels cp-oadam's gradient average would use (a dp optimizer has none of those).
 */
final class OptimisticAdam extends AbstractOptimizer {
    private final FloatBuffer[] m;
    private final FloatBuffer[] v;
    private final FloatBuffer[] previous;
    private final float[] beta1;
    private final float[] beta2;
    private final float[] eps;
    private final double[] beta1d;
    private final double[] beta2d;
    private final RingAllReduce[] gradientAverage;  // cp-oadam only
    private final Gossip momentGossip;              // dp with averageMoments only
    private final FloatBuffer[] mixedGradient;      // dp with a neighbourhood or global second moment only
    private final Gossip gradientGossip;            // dp with a neighbourhood second moment only
    private final RingAllReduce[] gradientCopyAverage;  // dp with a global second moment only

    OptimisticAdam(OptimizerConfig config, GradientOracle oracle, Transport transport, MixingSchedule schedule) {
        super(config, oracle, transport, schedule);
        int n = players.size();
        m = new FloatBuffer[n];
        v = new FloatBuffer[n];
        previous = new FloatBuffer[n];
        beta1 = new float[n];
        beta2 = new float[n];
        eps = new float[n];
        beta1d = new double[n];
        beta2d = new double[n];
        List<FloatBuffer> moments = new ArrayList<>();
        for (int p = 0; p < n; p++) {
            Player player = players.get(p);
            PlayerSettings s = config.settingsFor(player.name());
            m[p] = stateBuffer(player, "m");
            v[p] = stateBuffer(player, "v");
            previous[p] = stateBuffer(player, "previousDirection");
            beta1[p] = (float) s.beta1();
            beta2[p] = (float) s.beta2();
            eps[p] = (float) s.eps();
            beta1d[p] = s.beta1();
            beta2d[p] = s.beta2();
            moments.add(m[p]);
            moments.add(v[p]);
        }
        if (config.algorithm() == Algorithm.CP_OADAM) {
            gradientAverage = playerAllReduces(transport);
            momentGossip = null;
        } else {
            gradientAverage = null;
            // Moments travel on channels after the parameter blocks: n .. 3n−1.
            momentGossip = config.averageMoments()
                    ? new Gossip(transport, schedule, moments, config.gossipRounds(), n)
                    : null;
            if (momentGossip != null) {
                momentGossip.setEpoch(config.epoch());
            }
        }
        mixedGradient = config.secondMoment() == SecondMoment.LOCAL ? null : new FloatBuffer[n];
        gradientGossip = config.secondMoment() == SecondMoment.NEIGHBOURHOOD
                // Gradients travel on channels after the moments' blocks: 3n .. 4n−1.
                ? new Gossip(transport, schedule, List.of(allocate(mixedGradient)), config.gossipRounds(), 3 * n)
                : null;
        if (gradientGossip != null) {
            gradientGossip.setEpoch(config.epoch());
        }
        if (config.secondMoment() == SecondMoment.GLOBAL) {
            allocate(mixedGradient);
            gradientCopyAverage = playerAllReduces(transport);
        } else {
            gradientCopyAverage = null;
        }
    }

    @Override
    public void setTopology(long epoch, MixingSchedule schedule, int gossipRounds) {
        super.setTopology(epoch, schedule, gossipRounds);
        if (momentGossip != null) {
            momentGossip.setTopology(epoch, schedule, gossipRounds);
        }
        if (gradientGossip != null) {
            gradientGossip.setTopology(epoch, schedule, gossipRounds);
        }
    }

    @Override
    public void waitHook(io.dgan.transport.WaitHook hook) {
        super.waitHook(hook);
        if (momentGossip != null) {
            momentGossip.waitHook(hook);
        }
        if (gradientGossip != null) {
            gradientGossip.waitHook(hook);
        }
    }

    @Override
    public void step(long iteration) {
        checkIteration(iteration);
        if (steps == 0 && config.initialDirection() == InitialDirection.ORACLE) {
            oracle.computeGradients(0);  // g_0 = ĝ(x_0); d_0 is its Adam direction (s = 1)
            averageGradients(0);
            adamDirection(false, mixGradients(0));
        }
        if (paramGossip != null) {
            paramGossip.run(iteration);
        }
        if (momentGossip != null) {
            momentGossip.run(iteration);
        }
        for (int p = 0; p < players.size(); p++) {
            UpdateKernels.axpy(players.get(p).params(), -lr[p], previous[p]);  // z = x̂ − η d_prev
        }
        oracle.computeGradients(iteration);
        averageGradients(iteration);
        adamDirection(true, mixGradients(iteration));
    }

    /**
     * One all-reduce per player on channel CHANNEL_BASE + player index: cp-oadam's gradient average, or (dp, which
     * has none) a global second moment's.
     */
    private RingAllReduce[] playerAllReduces(Transport transport) {
        RingAllReduce[] reducers = new RingAllReduce[players.size()];
        for (int p = 0; p < reducers.length; p++) {
            reducers[p] = new RingAllReduce(transport, players.get(p).length(), RingAllReduce.CHANNEL_BASE + p);
        }
        return reducers;
    }

    private FloatBuffer[] allocate(FloatBuffer[] buffers) {
        for (int p = 0; p < buffers.length; p++) {
            buffers[p] = FloatBuffer.allocate(players.get(p).length());
        }
        return buffers;
    }

    /**
     * With a neighbourhood or global second moment: copies every player's gradient and mixes the copies with the
     * neighbours' or averages them over every worker (tags of {@code iteration}; 0 for the initial direction, which
     * no other gossip or collective of a dp optimizer uses). Returns whether it did.
     */
    private boolean mixGradients(long iteration) {
        boolean gossip = gradientGossip != null && gradientGossip.rounds() > 0;
        if (!gossip && gradientCopyAverage == null) {
            return false;
        }
        for (int p = 0; p < players.size(); p++) {
            UpdateKernels.copy(players.get(p).grads(), mixedGradient[p]);
        }
        if (gossip) {
            gradientGossip.run(iteration);
        } else {
            for (int p = 0; p < players.size(); p++) {
                gradientCopyAverage[p].average(mixedGradient[p], config.epoch(), iteration);
            }
        }
        return true;
    }

    private void averageGradients(long iteration) {
        if (gradientAverage != null) {
            for (int p = 0; p < players.size(); p++) {
                gradientAverage[p].average(players.get(p).grads(), config.epoch(), iteration);
            }
        }
    }

    /**
     * s += 1; m, v, d from the gradient in the grads buffers (v from the mixed gradient if {@code mixed}); if
     * {@code update}, x += η (d_prev − d).
     */
    private void adamDirection(boolean update, boolean mixed) {
        steps++;
        for (int p = 0; p < players.size(); p++) {
            Player player = players.get(p);
            float c1 = (float) (1.0 / (1.0 - Math.pow(beta1d[p], steps)));
            float c2 = (float) (1.0 / (1.0 - Math.pow(beta2d[p], steps)));
            UpdateKernels.adam(player.params(), player.grads(), mixed ? mixedGradient[p] : player.grads(), m[p], v[p],
                    previous[p], beta1[p], beta2[p], c1, c2, eps[p], lr[p], update);
        }
    }
}
