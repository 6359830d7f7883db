package io.dgan.operator.progress;

import io.dgan.operator.crd.ProgressStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;

/** Folds the workers' samples into the job's progress: min/median/max step, the largest consensus distance,
 * the last FID, and an ETA from the median's rate since the previous sample (kept in the status itself, so it
 * survives an operator restart). */
public final class ProgressAggregator {
    private ProgressAggregator() {
    }

    public static ProgressStatus aggregate(ProgressStatus previous, Collection<WorkerSample> samples,
                                           long iterations, Instant now) {
        if (samples.isEmpty()) return previous;
        List<Long> steps = samples.stream().map(WorkerSample::steps).sorted().toList();
        ProgressStatus p = new ProgressStatus();
        p.minStep = steps.get(0);
        p.maxStep = steps.get(steps.size() - 1);
        p.medianStep = steps.get((steps.size() - 1) / 2);
        p.reportingWorkers = steps.size();
        p.consensusDistance = samples.stream().map(WorkerSample::consensusDistance)
                .filter(d -> d != null && !d.isNaN()).max(Double::compare).orElse(null);
        // Only ranks that evaluated export a FID (a worker image older than that exports 0.0 until its first
        // evaluation: a FID of exactly 0 would mean identical distributions, so it is read as "none yet").
        p.lastEvalFid = samples.stream().map(WorkerSample::evalFid)
                .filter(f -> f != null && !f.isNaN() && f > 0).min(Double::compare)
                .orElse(previous == null ? null : previous.lastEvalFid);
        p.sampledAt = now.toString();
        p.stepsPerSecond = previous == null ? null : previous.stepsPerSecond;
        if (previous != null && previous.sampledAt != null && previous.medianStep != null) {
            double seconds = Duration.between(Instant.parse(previous.sampledAt), now).toMillis() / 1000.0;
            long advanced = p.medianStep - previous.medianStep;
            if (seconds > 0 && advanced > 0) p.stepsPerSecond = advanced / seconds;
        }
        if (p.stepsPerSecond != null && p.stepsPerSecond > 0) {
            p.etaSeconds = (long) Math.ceil(Math.max(0, iterations - p.minStep) / p.stepsPerSecond);
        }
        return p;
    }
}
