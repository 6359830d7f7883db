package io.dgan.worker.experiment;

/**
 * Time per iteration and time to quality of DP-OAdam, Rand-DP-OAdam and CP-OAdam on M workers, from the α–β model
 * of algorithm.md (the one {@code dgan bench comm} checks): α the latency of a message, β the inverse of each node's
 * egress bandwidth, links full duplex, each worker on its own node.
 *
 * <ul>
 *   <li>DP-OAdam and Rand-DP-OAdam, per iteration and gossip round: the G and D parameter vectors to each of 2
 *       neighbours (ring, random ring): {@code α + 2·P·β}, P the bytes of both vectors.</li>
 *   <li>CP-OAdam, per iteration: a ring all-reduce of G's gradient, then one of D's, each {@code 2(M−1)α +
 *       2(M−1)/M·P_player·β}: {@code 4(M−1)α + 2(M−1)/M·P·β} together.</li>
 * </ul>
 * Compute and communication are added, not overlapped: an iteration's gossip happens before its gradients (step
 * order of OptimisticAdam), and the all-reduce needs them.
 */
public record Projection(double computeSeconds, long parameterBytes, int gossipRounds) {
    /** The communication time of one iteration. */
    public double communicationSeconds(String algorithm, int workers, double latencySeconds, double bytesPerSecond) {
        double beta = 1.0 / bytesPerSecond;
        return switch (algorithm) {
            case "dp-oadam", "rand-dp-oadam" -> gossipRounds * (latencySeconds + 2.0 * parameterBytes * beta);
            case "cp-oadam" -> workers < 2 ? 0
                    : 4.0 * (workers - 1) * latencySeconds + 2.0 * (workers - 1) / workers * parameterBytes * beta;
            default -> throw new IllegalArgumentException("projection: no communication model for algorithm '"
                    + algorithm + "' (dp-oadam, rand-dp-oadam, cp-oadam)");
        };
    }

    /** Compute plus communication of one iteration. */
    public double iterationSeconds(String algorithm, int workers, double latencySeconds, double bytesPerSecond) {
        return computeSeconds + communicationSeconds(algorithm, workers, latencySeconds, bytesPerSecond);
    }
}
