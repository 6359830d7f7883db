package io.dgan.transport;

/**
 * A peer left because its training diverged (its losses or gradients were no longer finite) and will send nothing
 * more: the run cannot go on with the same settings, so the worker that waited for it stops as diverged too, rather
 * than as a worker that failed (which a failure policy would restart, only to diverge again).
 */
public class PeerDivergedException extends TransportException {
    private final int peer;

    public PeerDivergedException(int peer, String message) {
        super(message);
        this.peer = peer;
    }

    /** The rank that diverged. */
    public int peer() {
        return peer;
    }
}
