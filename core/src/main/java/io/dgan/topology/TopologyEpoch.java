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
 * @param memberSince  per rank, the epoch from which its current process is in the graph: the epoch that took a
 *                     replacement back in, 0 for a rank there from the start (all zeros when not published). A
 *                     worker that missed the epoch which cut a rank out still learns from it that the rank is a new
 *                     process that must join.
 */
public record TopologyEpoch(long epoch, String type, MixingSchedule schedule, int gossipRounds, int[] excluded,
                            long[] memberSince) {
    /** An epoch in which every rank is there from the start. */
    public TopologyEpoch(long epoch, String type, MixingSchedule schedule, int gossipRounds, int[] excluded) {
        this(epoch, type, schedule, gossipRounds, excluded, null);
    }

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
        if (memberSince == null || memberSince.length == 0) {
            memberSince = new long[schedule.workers()];
        } else if (memberSince.length != schedule.workers()) {
            throw new IllegalArgumentException("memberSince has " + memberSince.length + " entries, expected one per "
                    + "rank (" + schedule.workers() + ")");
        } else {
            memberSince = memberSince.clone();
            for (int r = 0; r < memberSince.length; r++) {
                if (memberSince[r] < 0 || memberSince[r] > epoch) {
                    throw new IllegalArgumentException("memberSince[" + r + "] must be in 0.." + epoch + ", got "
                            + memberSince[r]);
                }
            }
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

    /**
     * Ranks that are members here but were not, as the same process, members of {@code before}: excluded there, or
     * taken back in after it (memberSince newer than its epoch). Ascending.
     */
    public int[] joinersSince(TopologyEpoch before) {
        return Arrays.stream(members()).filter(r -> !before.includes(r) || memberSince[r] > before.epoch()).toArray();
    }

    /**
     * This epoch with {@code ranks} cut out the simplest way: their edges removed and each removed weight W_ij
     * added to W_ii, which keeps W symmetric and doubly stochastic (static W only; null for a schedule). What a
     * worker uses until the ranks have joined (see io.dgan.gossip.LiveTopology).
     */
    public TopologyEpoch without(int[] ranks) {
        if (ranks.length == 0) {
            return this;
        }
        if (schedule.period() != 1) {
            return null;
        }
        double[][] w = schedule.at(1).toArray();
        TreeSet<Integer> out = new TreeSet<>();
        for (int r : excluded) {
            out.add(r);
        }
        for (int r : ranks) {
            out.add(r);
            for (int i = 0; i < w.length; i++) {
                if (i != r && w[i][r] != 0) {
                    w[i][i] += w[i][r];
                    w[i][r] = 0;
                    w[r][i] = 0;
                }
            }
            w[r][r] = 1;
        }
        if (out.size() == workers()) {
            return null;
        }
        TopologyType kind;
        try {
            kind = TopologyType.fromName(type);
        } catch (IllegalArgumentException e) {
            kind = TopologyType.GRAPH;
        }
        return new TopologyEpoch(epoch, type, new StaticSchedule(kind, SparseMixingMatrix.fromArray(w)), gossipRounds,
                out.stream().mapToInt(Integer::intValue).toArray(), memberSince);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TopologyEpoch t && t.epoch == epoch && t.type.equals(type) && t.schedule == schedule
                && t.gossipRounds == gossipRounds && Arrays.equals(t.excluded, excluded)
                && Arrays.equals(t.memberSince, memberSince);
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
