package io.dgan.operator.resources;

import io.dgan.operator.crd.DecentralizedGANJob;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import java.util.List;
import java.util.Map;

/** A Prometheus Operator PodMonitor (monitoring.coreos.com/v1) scraping every worker's metrics port. Built as a
 * generic resource: the operator does not depend on the Prometheus Operator's model classes. */
public final class WorkerPodMonitor {
    public static final String API_VERSION = "monitoring.coreos.com/v1";
    public static final String KIND = "PodMonitor";

    private WorkerPodMonitor() {
    }

    public static GenericKubernetesResource desired(DecentralizedGANJob job) {
        String name = job.getMetadata().getName();
        return new GenericKubernetesResourceBuilder()
                .withApiVersion(API_VERSION)
                .withKind(KIND)
                .withMetadata(Owners.ownedMetadata(job, Names.podMonitor(name)))
                .addToAdditionalProperties("spec", Map.of(
                        "selector", Map.of("matchLabels", Labels.workerSelector(name)),
                        "podMetricsEndpoints", List.of(Map.of(
                                "port", "metrics",
                                "path", "/metrics",
                                "interval", job.getSpec().monitoring.scrapeInterval))))
                .build();
    }
}
