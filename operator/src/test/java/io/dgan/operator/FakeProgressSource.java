package io.dgan.operator;

import io.dgan.operator.progress.ProgressSource;
import io.dgan.operator.progress.WorkerSample;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Progress as the test sets it, keyed by pod name; only pods the operator asks about (running ones) answer. */
public final class FakeProgressSource implements ProgressSource {
    private final Map<String, WorkerSample> samples = new ConcurrentHashMap<>();

    public void set(String pod, WorkerSample sample) {
        samples.put(pod, sample);
    }

    /** Every worker stops answering (unreachable, or not exporting). */
    public void clear() {
        samples.clear();
    }

    @Override
    public Map<String, WorkerSample> sample(Iterable<Pod> runningPods, int metricsPort) {
        Map<String, WorkerSample> out = new HashMap<>();
        for (Pod pod : runningPods) {
            WorkerSample s = samples.get(pod.getMetadata().getName());
            if (s != null) out.put(pod.getMetadata().getName(), s);
        }
        return out;
    }
}
