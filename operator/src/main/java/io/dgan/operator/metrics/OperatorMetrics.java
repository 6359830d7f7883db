package io.dgan.operator.metrics;

import io.dgan.operator.crd.DecentralizedGANJob;
import io.dgan.operator.reconcile.DecentralizedGANJobReconciler;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * The operator's own metrics (names in docs/operator.md). {@code dgan_operator_jobs{phase}} is computed at
 * scrape time from the informer cache, so a deleted job disappears from it without any bookkeeping.
 */
public final class OperatorMetrics {
    private final PrometheusRegistry registry;
    private final Counter created;
    private final Counter succeeded;
    private final Counter failed;
    private final Counter replacements;
    private final Counter specChanges;
    private final Counter reruns;
    private final Histogram reconcileDuration;
    private final Histogram timeToRunning;
    private final Counter workerFailures;
    private volatile Supplier<Stream<DecentralizedGANJob>> jobs = Stream::empty;
    /** The phases a job's status can show. */
    static final java.util.List<String> PHASES = java.util.List.of(DecentralizedGANJobReconciler.PHASE_PENDING,
            DecentralizedGANJobReconciler.PHASE_RUNNING, DecentralizedGANJobReconciler.PHASE_DEGRADED,
            DecentralizedGANJobReconciler.PHASE_RESTARTING, DecentralizedGANJobReconciler.PHASE_SUSPENDED,
            DecentralizedGANJobReconciler.PHASE_SUCCEEDED, DecentralizedGANJobReconciler.PHASE_FAILED,
            DecentralizedGANJobReconciler.PHASE_VALIDATION_FAILED);

    public OperatorMetrics(PrometheusRegistry registry) {
        this.registry = registry;
        created = Counter.builder().name("dgan_operator_jobs_created_total")
                .help("Jobs the operator started").register(registry);
        succeeded = Counter.builder().name("dgan_operator_jobs_succeeded_total")
                .help("Jobs that finished successfully").register(registry);
        failed = Counter.builder().name("dgan_operator_jobs_failed_total")
                .help("Jobs that failed").labelNames("reason").register(registry);
        replacements = Counter.builder().name("dgan_operator_worker_replacements_total")
                .help("Worker pods replaced after a failure, by failure policy").labelNames("reason")
                .register(registry);
        workerFailures = Counter.builder().name("dgan_operator_worker_failures_total")
                .help("Worker pods lost, by cause (Failed, Evicted, Deleted)").labelNames("cause").register(registry);
        specChanges = Counter.builder().name("dgan_operator_spec_changes_total")
                .help("Spec changes applied, by class").labelNames("class").register(registry);
        reruns = Counter.builder().name("dgan_operator_jobs_rerun_total")
                .help("Finished jobs run again after a spec change, by the phase they left (Failed, Succeeded)")
                .labelNames("phase").register(registry);
        reconcileDuration = Histogram.builder().name("dgan_operator_reconcile_duration_seconds")
                .help("Time spent in one reconcile of a job")
                .classicUpperBounds(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10).register(registry);
        timeToRunning = Histogram.builder().name("dgan_operator_time_to_running_seconds")
                .help("From job creation to all workers ready")
                .classicUpperBounds(1, 5, 10, 30, 60, 120, 300, 600, 1800).register(registry);
        GaugeWithCallback.builder().name("dgan_operator_jobs").help("Jobs by phase").labelNames("phase")
                .callback(cb -> {
                    // Every phase has a series, 0 when no job is in it: an alert on Failed or Degraded jobs must find
                    // a series to compare before the first job fails (an absent series never fires, never resolves).
                    Map<String, Long> byPhase = new TreeMap<>();
                    for (String phase : PHASES) byPhase.put(phase, 0L);
                    jobs.get().forEach(j -> byPhase.merge(
                            j.getStatus() == null || j.getStatus().phase == null ? "Unknown" : j.getStatus().phase,
                            1L, Long::sum));
                    byPhase.forEach((phase, n) -> cb.call(n, phase));
                })
                .register(registry);
    }

    public PrometheusRegistry registry() {
        return registry;
    }

    /** Where the jobs gauge reads from (the controller's primary cache, once the first reconcile has run). */
    public void observeJobs(Supplier<Stream<DecentralizedGANJob>> source) {
        this.jobs = source;
    }

    public void jobCreated() {
        created.inc();
    }

    public void jobSucceeded() {
        succeeded.inc();
    }

    public void jobFailed(String reason) {
        failed.labelValues(reason).inc();
    }

    public void workerReplaced(String policy) {
        replacements.labelValues(policy).inc();
    }

    public void workerLost(String cause) {
        workerFailures.labelValues(cause).inc();
    }

    public void specChanged(String changeClass) {
        specChanges.labelValues(changeClass).inc();
    }

    public void jobRerun(String fromPhase) {
        reruns.labelValues(fromPhase).inc();
    }

    public void reconciled(double seconds) {
        reconcileDuration.observe(seconds);
    }

    public void reachedRunning(double seconds) {
        timeToRunning.observe(seconds);
    }
}
