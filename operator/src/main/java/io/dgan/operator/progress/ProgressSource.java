package io.dgan.operator.progress;

import io.fabric8.kubernetes.api.model.Pod;
import java.util.Map;

/** Reads progress from running worker pods. Implementations must not throw for an unreachable worker: a missing
 * entry means "no sample this time". */
public interface ProgressSource {
    /** Samples keyed by pod name. */
    Map<String, WorkerSample> sample(Iterable<Pod> runningPods, int metricsPort);
}
