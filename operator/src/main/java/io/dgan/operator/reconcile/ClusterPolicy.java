package io.dgan.operator.reconcile;

import io.dgan.operator.resources.GossipTlsSecret;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Operator-wide settings that shape what every job owns (set by the chart, docs/operator.md "Settings").
 *
 * @param operatorNamespace         the namespace the operator runs in: its progress sampler reads the workers'
 *                                  metrics port, so the NetworkPolicy admits it ("" when unknown, e.g. run locally)
 * @param metricsNamespaceSelectors namespace label selectors (matchLabels) admitted to the workers' metrics port,
 *                                  e.g. the namespace Prometheus runs in
 * @param podMonitorLabels          labels every PodMonitor gets, e.g. {@code release: <prometheus release>} for a
 *                                  kube-prometheus-stack whose podMonitorSelector matches on it
 * @param gossipCertificateValidity how long a rank's gossip certificate is valid; it is renewed when a third of that
 *                                  is left
 * @param gossipCertificateIssuer   who issues a new job's gossip certificates: the operator, cert-manager, or
 *                                  (auto) cert-manager when its API is served
 */
public record ClusterPolicy(String operatorNamespace, List<Map<String, String>> metricsNamespaceSelectors,
                            Map<String, String> podMonitorLabels, Duration gossipCertificateValidity,
                            GossipCertificateIssuer gossipCertificateIssuer) {
    public static final String CONTEXT_KEY = "dgan.clusterPolicy";

    public ClusterPolicy {
        operatorNamespace = operatorNamespace == null ? "" : operatorNamespace;
        metricsNamespaceSelectors = metricsNamespaceSelectors == null ? List.of() : List.copyOf(metricsNamespaceSelectors);
        podMonitorLabels = podMonitorLabels == null ? Map.of() : Map.copyOf(podMonitorLabels);
        gossipCertificateValidity = gossipCertificateValidity == null ? GossipTlsSecret.VALIDITY
                : gossipCertificateValidity;
        gossipCertificateIssuer = gossipCertificateIssuer == null ? GossipCertificateIssuer.AUTO
                : gossipCertificateIssuer;
    }

    public ClusterPolicy(String operatorNamespace, List<Map<String, String>> metricsNamespaceSelectors,
                         Map<String, String> podMonitorLabels) {
        this(operatorNamespace, metricsNamespaceSelectors, podMonitorLabels, null, null);
    }

    public static ClusterPolicy none() {
        return new ClusterPolicy("", List.of(), Map.of());
    }
}
