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

    @Default("monitoring")
    public String namespace = "monitoring";

    @Default("30s")
    public String scrapeInterval = "30s";
}
