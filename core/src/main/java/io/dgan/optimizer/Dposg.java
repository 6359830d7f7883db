package io.dgan.optimizer;

import io.dgan.topology.MixingSchedule;
import io.dgan.transport.Transport;

import java.nio.FloatBuffer;

/**
 * DPOSG (algorithm.md), with x kept in the parameter buffer:
 * <pre>
 *   x̂ = gossip_t(x)                      in place
 *   z = x̂ − η g_prev                     in place; the oracle evaluates at z
 *   g = ĝ(z)
 *   x = z + η (g_prev − g)  (= x̂ − η g)   fused with g_prev ← g
 * </pre>
 * State: g_prev per player ("name.previousDirection"). With M = 1 this is the optimistic step
 * z_{k+1} = z_k − 2η g_k + η g_{k−1}.
 */
final class Dposg extends AbstractOptimizer {
    private final FloatBuffer[] previous;

    Dposg(OptimizerConfig config, GradientOracle oracle, Transport transport, MixingSchedule schedule) {
        super(config, oracle, transport, schedule);
        previous = new FloatBuffer[players.size()];
        for (int p = 0; p < players.size(); p++) {
            previous[p] = stateBuffer(players.get(p), "previousDirection");
        }
    }

    @Override
    public void step(long iteration) {
        checkIteration(iteration);
        if (steps == 0 && config.initialDirection() == InitialDirection.ORACLE) {
            oracle.computeGradients(0);  // g_0 = ĝ(x_0): x_0 is the same on every worker
            for (int p = 0; p < players.size(); p++) {
                FloatBuffer g = players.get(p).grads();
                FloatBuffer d = previous[p];
                for (int i = 0, n = g.limit(); i < n; i++) {
                    d.put(i, g.get(i));
                }
            }
        }
        paramGossip.run(iteration);
        for (int p = 0; p < players.size(); p++) {
            FloatBuffer x = players.get(p).params();
            FloatBuffer d = previous[p];
            float eta = lr[p];
            for (int i = 0, n = x.limit(); i < n; i++) {
                x.put(i, x.get(i) - eta * d.get(i));
            }
        }
        oracle.computeGradients(iteration);
        for (int p = 0; p < players.size(); p++) {
            FloatBuffer x = players.get(p).params();
            FloatBuffer g = players.get(p).grads();
            FloatBuffer d = previous[p];
            float eta = lr[p];
            for (int i = 0, n = x.limit(); i < n; i++) {
                float gi = g.get(i);
                x.put(i, x.get(i) + eta * (d.get(i) - gi));
                d.put(i, gi);
            }
        }
        steps++;
    }
}
