package io.dgan.topology;

/**
 * Where a worker learns the job's graph: the newest valid {@link TopologyEpoch} published so far (e.g. the topology
 * file mounted from the operator's ConfigMap, re-read on every call). An invalid update is reported by the source
 * and ignored: the previous epoch stays the latest. Never returns null; never throws for a bad update.
 */
@FunctionalInterface
public interface TopologySource {
    TopologyEpoch latest();
}
