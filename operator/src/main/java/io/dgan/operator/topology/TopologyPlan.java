package io.dgan.operator.topology;

import java.util.List;

/**
 * The topology the operator publishes for one epoch: W over all M ranks (an excluded rank keeps only its
 * diagonal, W_ii = 1, so W stays symmetric and doubly stochastic), and W's spectral figures computed on the
 * surviving ranks.
 */
public record TopologyPlan(String type, int workers, long epoch, int gossipRounds, long seed,
                           List<Integer> excludedRanks, double[][] weights, double rho, double spectralGap,
                           boolean connected) {
}
