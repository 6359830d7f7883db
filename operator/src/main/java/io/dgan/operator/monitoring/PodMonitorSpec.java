package io.dgan.operator.monitoring;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.kubernetes.api.model.LabelSelector;
import java.util.List;

/** selector + podMetricsEndpoints, the part of a PodMonitor's spec the operator sets. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public class PodMonitorSpec {
    public LabelSelector selector;
    public List<Endpoint> podMetricsEndpoints;

    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonIgnoreProperties(ignoreUnknown = true)
    public static class Endpoint {
        public String port;
        public String path;
        public String interval;
        /** Keep the worker's own {@code job} label (the DGAN job) instead of Prometheus' scrape-job label. */
        public Boolean honorLabels;

        public Endpoint() {
        }

        public Endpoint(String port, String path, String interval, Boolean honorLabels) {
            this.port = port;
            this.path = path;
            this.interval = interval;
            this.honorLabels = honorLabels;
        }
    }
}
