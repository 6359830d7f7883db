package io.dgan.operator.app;

import io.dgan.operator.metrics.OperatorMetrics;
import io.dgan.operator.progress.HttpProgressSource;
import io.dgan.operator.reconcile.DecentralizedGANJobReconciler;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code java -jar dgan-operator.jar}: in a cluster (service account) or outside one (KUBECONFIG or
 * ~/.kube/config; Fabric8 picks whichever exists). Settings come from the environment:
 * <ul>
 *   <li>{@code WATCH_NAMESPACES}: comma-separated namespaces to watch; empty = all</li>
 *   <li>{@code METRICS_PORT} (default 8080; 0 = off)</li>
 *   <li>{@code LEADER_ELECTION_NAMESPACE}: enables leader election with a Lease named dgan-operator-leader there
 *       (set by the Helm chart; leave empty when running a single copy out of cluster)</li>
 *   <li>{@code PROGRESS_INTERVAL_SECONDS} (default 30): how often a running job's workers are sampled</li>
 * </ul>
 */
public final class OperatorMain {
    private static final Logger LOG = LoggerFactory.getLogger(OperatorMain.class);

    private OperatorMain() {
    }

    public static void main(String[] args) throws IOException {
        int metricsPort = Integer.parseInt(env("METRICS_PORT", "8080"));
        Duration interval = Duration.ofSeconds(Long.parseLong(env("PROGRESS_INTERVAL_SECONDS", "30")));
        String leaseNamespace = env("LEADER_ELECTION_NAMESPACE", "");
        String namespaces = env("WATCH_NAMESPACES", "");

        PrometheusRegistry registry = new PrometheusRegistry();
        OperatorMetrics metrics = new OperatorMetrics(registry);
        KubernetesClient client = new KubernetesClientBuilder().build();
        LOG.info("operator starting master={} namespaces={} leaderElection={} metricsPort={}",
                client.getMasterUrl(), namespaces.isEmpty() ? "all" : namespaces,
                leaseNamespace.isEmpty() ? "off" : leaseNamespace, metricsPort);

        Operator operator = new Operator(o -> {
            o.withKubernetesClient(client);
            // One code path in tests and production: the Fabric8 mock cannot serve server-side apply, and the
            // dependents here are objects the operator owns entirely, so a client-side match loses nothing.
            o.withSSABasedCreateUpdateMatchForDependentResources(false);
            o.withUseSSAToPatchPrimaryResource(false);
            o.withReconciliationTerminationTimeout(Duration.ofSeconds(20));
            if (!leaseNamespace.isEmpty()) {
                o.withLeaderElectionConfiguration(new LeaderElectionConfiguration("dgan-operator-leader", leaseNamespace));
            }
        });
        DecentralizedGANJobReconciler reconciler = new DecentralizedGANJobReconciler(
                new HttpProgressSource(Duration.ofSeconds(2)), metrics, Clock.systemUTC(), interval);
        operator.register(reconciler, c -> {
            if (!namespaces.isEmpty()) c.settingNamespaces(Set.of(namespaces.split(",")));
        });
        HTTPServer server = metricsPort == 0 ? null
                : HTTPServer.builder().port(metricsPort).registry(registry).buildAndStart();
        // Graceful shutdown: stop taking events, let running reconciles finish (bounded), release the lease.
        operator.installShutdownHook(Duration.ofSeconds(20));
        if (server != null) Runtime.getRuntime().addShutdownHook(new Thread(server::close, "metrics-shutdown"));
        operator.start();
        LOG.info("operator started");
    }

    private static String env(String name, String fallback) {
        String v = System.getenv(name);
        return v == null || v.isBlank() ? fallback : v.trim();
    }
}
