package io.dgan.topology;

import java.util.List;

/** Builds the mixing schedule a {@link TopologySpec} describes and checks that it mixes (connected). */
public final class Topologies {
    private Topologies() {
    }

    public static MixingSchedule create(TopologySpec spec) {
        int m = spec.workers();
        if (m < 1) {
            throw new IllegalArgumentException("workers must be at least 1, got " + m);
        }
        if (spec.type() != TopologyType.GRAPH && !spec.edges().isEmpty()) {
            throw new IllegalArgumentException("edges are only used by the 'graph' topology, not '" + spec.type() + "'");
        }
        if (spec.type() != TopologyType.TORUS && spec.torusRows() != 0) {
            throw new IllegalArgumentException("rows are only used by the 'torus' topology, not '" + spec.type() + "'");
        }
        MixingSchedule schedule = switch (spec.type()) {
            case RING -> new StaticSchedule(spec.type(), RingTopology.matrix(m));
            case TORUS -> new StaticSchedule(spec.type(), TorusTopology.matrix(m, spec.torusRows()));
            case HYPERCUBE -> new StaticSchedule(spec.type(), HypercubeTopology.matrix(m));
            case EXPONENTIAL -> new StaticSchedule(spec.type(), ExponentialTopology.matrix(m));
            case COMPLETE -> new StaticSchedule(spec.type(), CompleteTopology.matrix(m));
            case GRAPH -> new StaticSchedule(spec.type(), MetropolisHastingsGraph.matrix(m, spec.edges()));
            case ONE_PEER_HYPERCUBE -> new OnePeerHypercubeSchedule(m);
            case RANDOM_RING -> new RandomRingSchedule(m, spec.seed());
            case RANDOM_MATCHING -> new RandomMatchingSchedule(m, spec.seed());
        };
        if (schedule.period() >= 1) {
            // Deterministic topologies are connected by construction; check anyway so a bug cannot ship silently.
            requireConnected(schedule);
        }
        return schedule;
    }

    public static MixingSchedule create(String type, int workers) {
        return create(TopologySpec.of(type, workers));
    }

    private static void requireConnected(MixingSchedule schedule) {
        List<MixingMatrix> period = new java.util.ArrayList<>();
        for (int k = 1; k <= schedule.period(); k++) {
            period.add(schedule.at(k));
        }
        List<List<Integer>> components = Connectivity.components(period);
        if (components.size() > 1) {
            throw new IllegalStateException(schedule.type() + " on " + schedule.workers()
                    + " workers is disconnected: " + Connectivity.describe(components));
        }
    }
}
