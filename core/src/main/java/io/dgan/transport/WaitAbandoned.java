package io.dgan.transport;

/**
 * A collective was given up because a member left it (see {@link RingAllReduce}, "Losing a member"): no rank can
 * complete it, and every member still in the job redoes it under the new membership. Not a failure (so not a
 * {@link TransportException}).
 */
public final class WaitAbandoned extends RuntimeException {
    private final int peer;
    private final long epoch;

    /**
     * @param peer  the rank this one waited for when it gave the collective up, or the rank whose abort made it
     *              give it up
     * @param epoch the topology epoch the rank that gave the collective up had adopted (-1 if unknown): this rank
     *              adopts at least that epoch before redoing, so that both redo it over the same members
     */
    public WaitAbandoned(int peer, long epoch, String message) {
        super(message, null, false, false);
        this.peer = peer;
        this.epoch = epoch;
    }

    public int peer() {
        return peer;
    }

    public long epoch() {
        return epoch;
    }
}
