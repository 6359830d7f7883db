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
        String name = job.getMetadata().getName();
        PodMonitor monitor = new PodMonitor();
        monitor.setMetadata(Owners.ownedMetadata(job, Names.podMonitor(name)));
        PodMonitorSpec spec = new PodMonitorSpec();
        spec.selector = new LabelSelectorBuilder().withMatchLabels(Labels.workerSelector(name)).build();
        spec.podMetricsEndpoints = List.of(
                new PodMonitorSpec.Endpoint("metrics", "/metrics", job.getSpec().monitoring.scrapeInterval, true));
        monitor.setSpec(spec);
        return monitor;
    }
}
