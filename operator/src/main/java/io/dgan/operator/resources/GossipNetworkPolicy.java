package io.dgan.operator.resources;

import io.dgan.operator.crd.DecentralizedGANJob;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyBuilder;

/** Admits the gossip port only from the same job's workers, and the metrics port only from the monitoring
 * namespace. Everything else inbound to a worker is denied (the policy selects the workers for Ingress). */
public final class GossipNetworkPolicy {
    private GossipNetworkPolicy() {
    }

    public static NetworkPolicy desired(DecentralizedGANJob job) {
        String name = job.getMetadata().getName();
        return new NetworkPolicyBuilder()
                .withMetadata(Owners.ownedMetadata(job, Names.networkPolicy(name)))
                .withNewSpec()
                    .withNewPodSelector().withMatchLabels(Labels.workerSelector(name)).endPodSelector()
                    .withPolicyTypes("Ingress")
                    .addNewIngress()
                        .addNewFrom().withNewPodSelector().withMatchLabels(Labels.workerSelector(name))
                            .endPodSelector().endFrom()
                        .addNewPort().withProtocol("TCP")
                            .withPort(new IntOrString(job.getSpec().topology.gossipPort)).endPort()
                    .endIngress()
                    .addNewIngress()
                        .addNewFrom().withNewNamespaceSelector()
                            .addToMatchLabels("kubernetes.io/metadata.name", job.getSpec().monitoring.namespace)
                            .endNamespaceSelector().endFrom()
                        .addNewPort().withProtocol("TCP")
                            .withPort(new IntOrString(job.getSpec().monitoring.metricsPort)).endPort()
                    .endIngress()
                .endSpec()
                .build();
    }
}
