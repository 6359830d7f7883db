package io.dgan.operator.topology;

import java.util.List;

/**
 * The topology the operator publishes for one epoch: W over all M ranks (an excluded rank keeps only its
 * diagonal, W_ii = 1, so W stays symmetric and doubly stochastic), and W's spectral figures computed on the
 * surviving ranks.
 */
public record TopologyPlan(String type, int workers, long epoch, int gossipRounds, long seed,
                           List<Integer> excludedRanks, io.dgan.topology.MixingMatrix matrix, double rho,
                           double spectralGap, boolean connected, List<Long> memberSince) {
    /** A plan in which every rank is there from the start (memberSince all 0). */
    public TopologyPlan(String type, int workers, long epoch, int gossipRounds, long seed, List<Integer> excludedRanks,
                        io.dgan.topology.MixingMatrix matrix, double rho, double spectralGap, boolean connected) {
        this(type, workers, epoch, gossipRounds, seed, excludedRanks, matrix, rho, spectralGap, connected,
                java.util.Collections.nCopies(workers, 0L));
    }

    /** W as a dense M×M array (a copy; M² doubles, for tests and small M). */
    public double[][] weights() {
        return matrix.toArray();
    }

    /** The same plan at another epoch (plans are cached per graph; the epoch is the status's). */
    public TopologyPlan atEpoch(long newEpoch) {
        return newEpoch == epoch ? this : new TopologyPlan(type, workers, newEpoch, gossipRounds, seed, excludedRanks,
                matrix, rho, spectralGap, connected, memberSince);
    }

    /**
     * The same plan with, per rank, the epoch from which its current process is in the graph (rank to epoch;
     * absent ranks: 0). Entries for ranks outside the plan, or newer than its epoch, are ignored.
     */
    public TopologyPlan withMemberSince(java.util.Map<Integer, Long> since) {
        List<Long> list = new java.util.ArrayList<>();
        for (int r = 0; r < workers; r++) {
            long e = since.getOrDefault(r, 0L);
            list.add(e <= epoch ? e : 0L);
        }
        return new TopologyPlan(type, workers, epoch, gossipRounds, seed, excludedRanks, matrix, rho, spectralGap,
                connected, List.copyOf(list));
    }
}
