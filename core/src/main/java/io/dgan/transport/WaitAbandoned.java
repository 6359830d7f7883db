package io.dgan.transport;

/**
 * A collective gave up a receive because its {@link WaitHook} said the topology changed: the caller redoes the
 * collective under the new epoch and membership. Not a failure (so not a {@link TransportException}).
 */
public final class WaitAbandoned extends RuntimeException {
    private final int peer;

    public WaitAbandoned(int peer) {
        super("stopped waiting for rank " + peer + ": the topology changed", null, false, false);
        this.peer = peer;
    }

    public int peer() {
        return peer;
    }
}
