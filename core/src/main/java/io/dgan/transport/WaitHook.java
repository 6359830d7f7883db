package io.dgan.transport;

import java.time.Duration;

/**
 * Asked by a blocked receive, about every {@link #POLL}, whether to stop waiting for that peer: the caller's view of
 * the graph may have changed (e.g. the peer was cut out of the topology) while it waited. The transport knows nothing
 * of topologies; the answer comes from the layer that does ({@code io.dgan.gossip.LiveTopology}).
 */
@FunctionalInterface
public interface WaitHook {
    /** How often a blocked receive asks. */
    Duration POLL = Duration.ofMillis(500);

    /** Never abandons: a receive with this hook behaves like the plain one. */
    WaitHook NEVER = peer -> false;

    /** True abandons the wait for {@code peer}: the receive returns false and leaves the destination untouched. */
    boolean abandon(int peer);
}
