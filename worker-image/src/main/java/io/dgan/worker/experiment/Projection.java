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
 *   <li>Every algorithm, at each sync point ({@code --log-every} iterations): four ring all-reduces one after the
 *       other — the losses, the network average of G and of D (for the consensus distance), and the distance
 *       itself — {@code 8(M−1)α + 2(M−1)/M·P·β}, spread over the iterations between sync points.</li>
 * </ul>
 * Compute and communication are added, not overlapped: an iteration's gossip happens before its gradients (step
 * order of OptimisticAdam), and the all-reduce needs them.
 *
 * @param logEvery iterations between sync points (0: none)
 */
public record Projection(double computeSeconds, long parameterBytes, int gossipRounds, long logEvery) {
    /** The optimizer's communication in one iteration. */
    public double stepSeconds(String algorithm, int workers, double latencySeconds, double bytesPerSecond) {
        double beta = 1.0 / bytesPerSecond;
        return switch (algorithm) {
            case "dp-oadam", "rand-dp-oadam" -> gossipRounds * (latencySeconds + 2.0 * parameterBytes * beta);
            case "cp-oadam" -> workers < 2 ? 0
                    : 4.0 * (workers - 1) * latencySeconds + 2.0 * (workers - 1) / workers * parameterBytes * beta;
            default -> throw new IllegalArgumentException("projection: no communication model for algorithm '"
                    + algorithm + "' (dp-oadam, rand-dp-oadam, cp-oadam)");
        };
    }

    /** The sync points' collectives, per iteration. */
    public double syncSeconds(int workers, double latencySeconds, double bytesPerSecond) {
        if (logEvery <= 0 || workers < 2) {
            return 0;
        }
        return (8.0 * (workers - 1) * latencySeconds
                + 2.0 * (workers - 1) / workers * parameterBytes / bytesPerSecond) / logEvery;
    }

    /** The communication time of one iteration: the optimizer's and the sync points' share. */
    public double communicationSeconds(String algorithm, int workers, double latencySeconds, double bytesPerSecond) {
        return stepSeconds(algorithm, workers, latencySeconds, bytesPerSecond)
                + syncSeconds(workers, latencySeconds, bytesPerSecond);
    }

    /** Compute plus communication of one iteration. */
    public double iterationSeconds(String algorithm, int workers, double latencySeconds, double bytesPerSecond) {
        return computeSeconds + communicationSeconds(algorithm, workers, latencySeconds, bytesPerSecond);
    }
}
