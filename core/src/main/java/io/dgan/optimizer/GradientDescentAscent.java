package io.dgan.optimizer;

import io.dgan.topology.MixingSchedule;
import io.dgan.transport.Transport;


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
            UpdateKernels.axpy(players.get(p).params(), -lr[p], players.get(p).grads());
        }
        steps++;
    }
}
