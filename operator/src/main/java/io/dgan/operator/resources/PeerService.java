package io.dgan.operator.resources;

import io.dgan.operator.crd.DecentralizedGANJob;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.ServicePort;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The headless Service that gives every worker its DNS name {@code <job>-worker-<i>.<job>-peers}.
 * publishNotReadyAddresses: a worker must resolve its neighbours before they are ready, or start-up deadlocks
 * (each worker's readiness waits on its peers' gossip).
 */
public final class PeerService {
    private PeerService() {
    }

    public static Service desired(DecentralizedGANJob job) {
        String name = job.getMetadata().getName();
        return new ServiceBuilder()
                .withMetadata(Owners.ownedMetadata(job, Names.peerService(name)))
                .withNewSpec()
                    .withClusterIP("None")
                    .withPublishNotReadyAddresses(true)
                    .withSelector(Labels.workerSelector(name))
                    .addNewPort().withName("gossip").withProtocol("TCP")
                        .withPort(job.getSpec().topology.gossipPort).endPort()
                    .addNewPort().withName("metrics").withProtocol("TCP")
                        .withPort(job.getSpec().monitoring.metricsPort).endPort()
                .endSpec()
                .build();
    }

    /**
     * Whether the stored Service already has every field {@link #desired} sets. The server adds its own (cluster IPs,
     * IP families, target ports, session affinity); comparing only ours keeps a reconcile from rewriting the
     * Service on every pass.
     */
    public static boolean hasOwnedFields(Service actual, Service desired) {
        var a = actual.getSpec();
        var d = desired.getSpec();
        if (a == null) return false;
        Map<String, String> labels = actual.getMetadata().getLabels() == null ? Map.of() : actual.getMetadata().getLabels();
        return labels.entrySet().containsAll(desired.getMetadata().getLabels().entrySet())
                && Objects.equals(a.getClusterIP(), d.getClusterIP())
                && Objects.equals(a.getPublishNotReadyAddresses(), d.getPublishNotReadyAddresses())
                && Objects.equals(a.getSelector(), d.getSelector())
                && ports(a.getPorts()).equals(ports(d.getPorts()));
    }

    private static List<String> ports(List<ServicePort> ports) {
        return ports == null ? List.of() : ports.stream()
                .map(p -> p.getName() + "/" + p.getProtocol() + "/" + p.getPort()).toList();
    }
}
