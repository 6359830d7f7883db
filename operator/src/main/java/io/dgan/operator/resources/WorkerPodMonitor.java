package io.dgan.operator.resources;

import io.dgan.operator.crd.DecentralizedGANJob;
import io.dgan.operator.monitoring.PodMonitor;
import io.dgan.operator.monitoring.PodMonitorSpec;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import java.util.List;

/** A Prometheus Operator PodMonitor scraping every worker's metrics port every spec.monitoring.scrapeInterval.
 * honorLabels: the workers label their series with {@code job=<DGAN job>} (operator.md's metric names), which
 * Prometheus would otherwise rename to exported_job in favour of its own scrape-job label. */
public final class WorkerPodMonitor {
    private WorkerPodMonitor() {
    }

    public static PodMonitor desired(DecentralizedGANJob job) {
        return desired(job, io.dgan.operator.reconcile.ClusterPolicy.none());
    }

    /**
     * Labels: the operator's {@code POD_MONITOR_LABELS} (chart value {@code podMonitor.labels}), then the job's
     * {@code spec.monitoring.podMonitorLabels} over them, then the operator's own labels (which the operator's
     * informer selects on, so neither may replace them).
     */
    public static PodMonitor desired(DecentralizedGANJob job, io.dgan.operator.reconcile.ClusterPolicy policy) {
        String name = job.getMetadata().getName();
        PodMonitor monitor = new PodMonitor();
        monitor.setMetadata(Owners.ownedMetadata(job, Names.podMonitor(name)));
        java.util.Map<String, String> labels = new java.util.LinkedHashMap<>(new java.util.TreeMap<>(policy.podMonitorLabels()));
        if (job.getSpec().monitoring.podMonitorLabels != null) labels.putAll(job.getSpec().monitoring.podMonitorLabels);
        labels.putAll(monitor.getMetadata().getLabels());
        monitor.getMetadata().setLabels(labels);
        PodMonitorSpec spec = new PodMonitorSpec();
        spec.selector = new LabelSelectorBuilder().withMatchLabels(Labels.workerSelector(name)).build();
        spec.podMetricsEndpoints = List.of(
                new PodMonitorSpec.Endpoint("metrics", "/metrics", job.getSpec().monitoring.scrapeInterval, true));
        monitor.setSpec(spec);
        return monitor;
    }
}
