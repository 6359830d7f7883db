package io.dgan.transport;

/**
 * What a ring collective ({@link RingAllReduce}) asks the layer that knows the topology while it runs over a
 * membership that may lose a rank (docs/worker-contract.md, "Collectives follow the membership"). The transport and
 * the reducer know nothing of topology files; the answers come from {@code io.dgan.gossip.LiveTopology}.
 */
public interface CollectiveGuard {
    /**
     * Called about every {@link WaitHook#POLL} while the collective waits for {@code peer}: re-read the topology
     * (adopting a newer epoch that needs no coordination) and do what this rank owes the others meanwhile
     * (answer a replay request for the collective it completed last, see {@link #completed}).
     */
    void whileBlocked(int peer);

    /** Whether {@code rank} is cut out of the job in the epoch now in force on this rank. */
    boolean excluded(int rank);

    /** The topology epoch now in force on this rank (an abort carries it: the others adopt it before redoing). */
    long epoch();

    /**
     * This rank just completed a collective of {@code reducer}: remember it (in place of the previous one) so that
     * {@link #whileBlocked} can answer a replay request for it ({@link RingAllReduce#serveReplays()}).
     */
    void completed(RingAllReduce reducer);

    /** A line for the worker's log: the collective gave up, or takes the rest of its all-gather from a replay. */
    default void note(String line) {
    }
}
