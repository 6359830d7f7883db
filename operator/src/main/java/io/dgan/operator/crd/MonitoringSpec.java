package io.dgan.operator.crd;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;

/** Metrics: the port workers export Prometheus metrics on, a PodMonitor for the Prometheus Operator, and the
 * namespace Prometheus scrapes from (admitted by the NetworkPolicy). */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class MonitoringSpec {
    @Default("false")
    public Boolean podMonitor = false;

    @Min(1)
    @Max(65535)
    @Default("9090")
    public Integer metricsPort = 9090;

    @com.fasterxml.jackson.annotation.JsonPropertyDescription("A namespace admitted to the workers' metrics port by "
            + "the job's NetworkPolicy, besides the operator's namespace and the operator's METRICS_NAMESPACE_SELECTORS.")
    @Default("monitoring")
    public String namespace = "monitoring";

    @Default("30s")
    public String scrapeInterval = "30s";

    @com.fasterxml.jackson.annotation.JsonPropertyDescription("Labels added to the PodMonitor, over the operator's "
            + "POD_MONITOR_LABELS (chart value podMonitor.labels): e.g. release: <name> for a kube-prometheus-stack "
            + "whose podMonitorSelector matches on it. The operator's own labels (app.kubernetes.io/*, dgan.io/job) "
            + "cannot be replaced.")
    public java.util.Map<String, String> podMonitorLabels;
}
