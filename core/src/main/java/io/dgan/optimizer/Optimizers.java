package io.dgan.optimizer;

import io.dgan.topology.MixingSchedule;
import io.dgan.transport.Transport;

/**
 * Builds a worker's optimizer:
 * <pre>{@code
 * DecentralizedOptimizer opt = Optimizers.create(config, oracle, transport, schedule);
 * for (long k = 1; k <= n; k++) opt.step(k);
 * }</pre>
 * The schedule may be null for cp-oadam (no gossip) and for a single worker.
 */
public final class Optimizers {
    private Optimizers() {
    }

    public static DecentralizedOptimizer create(OptimizerConfig config, GradientOracle oracle, Transport transport,
                                                MixingSchedule schedule) {
        if (config.algorithm() == Algorithm.RAND_DP_OADAM && schedule != null && schedule.period() == 1
                && transport.size() > 1) {
            throw new IllegalArgumentException("rand-dp-oadam needs a per-iteration schedule (e.g. random-ring), "
                    + "got the static topology '" + schedule.type() + "'");
        }
        return switch (config.algorithm()) {
            case GDA -> new GradientDescentAscent(config, oracle, transport, schedule);
            case DPOSG -> new Dposg(config, oracle, transport, schedule);
            case DP_OADAM, RAND_DP_OADAM, CP_OADAM -> new OptimisticAdam(config, oracle, transport, schedule);
        };
    }
}
