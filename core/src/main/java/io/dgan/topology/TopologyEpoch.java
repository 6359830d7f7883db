package io.dgan.topology;

import java.util.Arrays;
import java.util.Objects;
import java.util.TreeSet;

/**
 * One published version of a job's graph (the topology file of docs/worker-contract.md): its epoch, the mixing
 * schedule, the gossip rounds per iteration and the ranks cut out of the graph (their row of W is the identity).
 * A value: it knows nothing of workers, sockets or iterations.
 *
 * @param epoch        version; a newer graph has a larger epoch
 * @param type         topology type name (e.g. "ring")
 * @param schedule     W per iteration, over all ranks (excluded ones included, with W_ii = 1)
 * @param gossipRounds gossip rounds t per iteration
 * @param excluded     ranks cut out of the graph, ascending
 */
public record TopologyEpoch(long epoch, String type, MixingSchedule schedule, int gossipRounds, int[] excluded) {
    public TopologyEpoch {
        Objects.requireNonNull(schedule, "schedule");
        if (gossipRounds < 0) {
            throw new IllegalArgumentException("gossipRounds must be >= 0, got " + gossipRounds);
        }
        TreeSet<Integer> sorted = new TreeSet<>();
        for (int r : excluded) {
            if (r < 0 || r >= schedule.workers()) {
                throw new IllegalArgumentException("excluded rank " + r + " is not a rank of 0.."
                        + (schedule.workers() - 1));
            }
            sorted.add(r);
        }
        excluded = sorted.stream().mapToInt(Integer::intValue).toArray();
        if (excluded.length == schedule.workers()) {
            throw new IllegalArgumentException("every rank is excluded: nobody left to train");
        }
        if (schedule.period() == 1) {
            for (int r : excluded) {
                if (schedule.at(1).neighbours(r).length != 0) {
                    throw new IllegalArgumentException("excluded rank " + r + " still has neighbours in W "
                            + Arrays.toString(schedule.at(1).neighbours(r)) + " (its row must be the identity)");
                }
            }
        }
    }

    public int workers() {
        return schedule.workers();
    }

    public boolean includes(int rank) {
        return Arrays.binarySearch(excluded, rank) < 0;
    }

    /** The ranks that train in this epoch, ascending: everybody but the excluded. */
    public int[] members() {
        int[] out = new int[workers() - excluded.length];
        for (int r = 0, i = 0; r < workers(); r++) {
            if (includes(r)) {
                out[i++] = r;
            }
        }
        return out;
    }

    /**
     * Ranks {@code rank} may gossip with in this epoch: its neighbours in W for a static topology; for a schedule
     * (W_k redrawn every iteration) every other member.
     */
    public int[] neighbours(int rank) {
        if (!includes(rank)) {
            return new int[0];
        }
        if (schedule.period() == 1) {
            return schedule.at(1).neighbours(rank).clone();
        }
        return Arrays.stream(members()).filter(r -> r != rank).toArray();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TopologyEpoch t && t.epoch == epoch && t.type.equals(type) && t.schedule == schedule
                && t.gossipRounds == gossipRounds && Arrays.equals(t.excluded, excluded);
    }

    @Override
    public int hashCode() {
        return Long.hashCode(epoch) * 31 + Arrays.hashCode(excluded);
    }

    @Override
    public String toString() {
        return "epoch " + epoch + " (" + type + ", " + gossipRounds + " round" + (gossipRounds == 1 ? "" : "s")
                + (excluded.length == 0 ? "" : ", excluded " + Arrays.toString(excluded)) + ")";
    }
}
