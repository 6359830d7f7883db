package io.dgan.operator.resources;

import io.dgan.operator.crd.DecentralizedGANJob;
import io.dgan.operator.reconcile.ClusterPolicy;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeerBuilder;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Admits the gossip port only from the same job's workers, and the metrics port from: the operator's own namespace
 * (its progress sampler reads every worker's metrics), each namespace selector of the operator's
 * {@code METRICS_NAMESPACE_SELECTORS} (chart value {@code networkPolicy.metricsNamespaceSelectors}), and the job's
 * {@code spec.monitoring.namespace}. Everything else inbound to a worker is denied (the policy selects the workers
 * for Ingress).
 */
public final class GossipNetworkPolicy {
    public static final String NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name";

    private GossipNetworkPolicy() {
    }

    public static NetworkPolicy desired(DecentralizedGANJob job) {
        return desired(job, ClusterPolicy.none());
    }

    public static NetworkPolicy desired(DecentralizedGANJob job, ClusterPolicy policy) {
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
                        .withFrom(metricsReaders(job, policy))
                        .addNewPort().withProtocol("TCP")
                            .withPort(new IntOrString(job.getSpec().monitoring.metricsPort)).endPort()
                    .endIngress()
                .endSpec()
                .build();
    }

    static List<NetworkPolicyPeer> metricsReaders(DecentralizedGANJob job, ClusterPolicy policy) {
        Set<Map<String, String>> selectors = new LinkedHashSet<>();
        if (!policy.operatorNamespace().isEmpty()) selectors.add(Map.of(NAMESPACE_NAME_LABEL, policy.operatorNamespace()));
        selectors.addAll(policy.metricsNamespaceSelectors());
        String jobs = job.getSpec().monitoring.namespace;
        if (jobs != null && !jobs.isBlank()) selectors.add(Map.of(NAMESPACE_NAME_LABEL, jobs));
        List<NetworkPolicyPeer> peers = new ArrayList<>();
        for (Map<String, String> s : selectors) {
            peers.add(new NetworkPolicyPeerBuilder().withNamespaceSelector(
                    new LabelSelectorBuilder().withMatchLabels(new java.util.TreeMap<>(s)).build()).build());
        }
        return peers;
    }
}
