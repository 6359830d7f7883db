package io.dgan.optimizer;

import io.dgan.topology.MixingSchedule;
import io.dgan.transport.Transport;

import java.nio.FloatBuffer;

/**
 * gda: x̂ = gossip(x); g = ĝ(x̂); x = x̂ − η g. No optimistic correction: the control that diverges on bilinear
 * games. Stateless.
 */
final class GradientDescentAscent extends AbstractOptimizer {
    GradientDescentAscent(OptimizerConfig config, GradientOracle oracle, Transport transport,
                          MixingSchedule schedule) {
        super(config, oracle, transport, schedule);
    }

    @Override
    public void step(long iteration) {
        checkIteration(iteration);
        paramGossip.run(iteration);
        oracle.computeGradients(iteration);
        for (int p = 0; p < players.size(); p++) {
            FloatBuffer x = players.get(p).params();
            FloatBuffer g = players.get(p).grads();
            float eta = lr[p];
            int n = x.limit();
            for (int i = 0; i < n; i++) {
                x.put(i, x.get(i) - eta * g.get(i));
            }
        }
        steps++;
    }
}
