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
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Duration;
import java.util.HashSet;
import java.util.concurrent.atomic.AtomicBoolean;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code java -jar dgan-operator.jar}: in a cluster (service account) or outside one (KUBECONFIG or
 * ~/.kube/config; Fabric8 picks whichever exists). Settings from the environment ({@link OperatorSettings}).
 */
public final class OperatorMain implements AutoCloseable {
    public static final String LEASE_NAME = "dgan-operator-leader";
    private static final Logger LOG = LoggerFactory.getLogger(OperatorMain.class);
    private final Operator operator;
    private final HTTPServer metricsServer;
    private final HealthServer healthServer;
    private final OperatorHealth health;

    private final AtomicBoolean stopping;
    private final AtomicBoolean closed = new AtomicBoolean();

    private OperatorMain(Operator operator, HTTPServer metricsServer, HealthServer healthServer, OperatorHealth health,
                         AtomicBoolean stopping) {
        this.operator = operator;
        this.metricsServer = metricsServer;
        this.healthServer = healthServer;
        this.health = health;
        this.stopping = stopping;
    }

    public static void main(String[] args) {
        OperatorSettings settings;
        try {
            settings = OperatorSettings.fromEnvironment(System.getenv());
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        }
        // Losing the lease while running means another replica leads now (or this one cannot renew): the health
        // check turns red at once and the process exits 1, so Kubernetes restarts it as a standby.
        OperatorMain running = start(settings, new KubernetesClientBuilder().build(),
                () -> new Thread(() -> System.exit(1), "lost-lease-exit").start());
        // Graceful shutdown: stop taking events, let running reconciles finish (bounded), release the lease,
        // then close the metrics endpoint.
        Runtime.getRuntime().addShutdownHook(new Thread(running::close, "operator-shutdown"));
    }

    /** Starts the operator on {@code client}; returns once its informers are running (or it stands by). */
    public static OperatorMain start(OperatorSettings settings, KubernetesClient client, Runnable onLeaseLost) {
        AtomicBoolean stopping = new AtomicBoolean(false);
        java.util.concurrent.atomic.AtomicReference<Operator> self = new java.util.concurrent.atomic.AtomicReference<>();
        OperatorHealth health = new OperatorHealth(() -> self.get() == null ? null : self.get().getRuntimeInfo(),
                settings.leaderElection(), Clock.systemUTC(), Duration.ofSeconds(60));
        LOG.info("operator starting master={} namespaces={} leaderElection={} metricsPort={}",
                client.getMasterUrl(), settings.watchNamespaces().isEmpty() ? "all" : settings.watchNamespaces(),
                settings.leaderElection() ? settings.leaderElectionNamespace() : "off", settings.metricsPort());
        PrometheusRegistry registry = new PrometheusRegistry();
        OperatorMetrics metrics = new OperatorMetrics(registry);
        Operator operator = new Operator(o -> {
            o.withKubernetesClient(client);
            // One code path in tests and production: the Fabric8 mock cannot serve server-side apply, and the
            // dependents are objects the operator owns entirely, so a client-side match loses nothing
            // (docs/operator.md, "Server-side apply").
            o.withSSABasedCreateUpdateMatchForDependentResources(false);
            o.withUseSSAToPatchPrimaryResource(false);
            o.withReconciliationTerminationTimeout(Duration.ofSeconds(20));
            if (settings.leaderElection()) {
                // Losing the lease while running means another replica leads now: exit so Kubernetes restarts this
                // one as a follower. Losing it because we are stopping is expected (JOSDK's own exit-on-stop would
                // call System.exit from inside the shutdown hook, which blocks the JVM forever).
                LeaderCallbacks callbacks = new LeaderCallbacks(
                        () -> {
                            health.startedLeading();
                            LOG.info("leader election: leading lease={}/{}", settings.leaderElectionNamespace(), LEASE_NAME);
                        },
                        () -> {
                            if (!stopping.get()) {
                                health.lostLease();
                                LOG.error("leader election: lost the lease while running; exiting");
                                onLeaseLost.run();
                            }
                        },
                        leader -> LOG.info("leader election: leader={}", leader));
                o.withLeaderElectionConfiguration(new LeaderElectionConfiguration(LEASE_NAME,
                        settings.leaderElectionNamespace(), settings.leaseDuration(), settings.renewDeadline(),
                        settings.retryPeriod(), settings.leaderIdentity().isEmpty() ? null : settings.leaderIdentity(),
                        callbacks, false));
            }
        });
        DecentralizedGANJobReconciler reconciler = new DecentralizedGANJobReconciler(
                new HttpProgressSource(Duration.ofSeconds(2)), metrics, Clock.systemUTC(), settings.progressInterval(),
                settings.policy());
        operator.register(reconciler, c -> {
            if (!settings.watchNamespaces().isEmpty()) c.settingNamespaces(new HashSet<>(settings.watchNamespaces()));
        });
        HTTPServer server = null;
        if (settings.metricsPort() > 0) {
            try {
                // BIND_ADDRESS: serve on one address only (default: every address of the pod).
                String address = System.getenv("BIND_ADDRESS");
                HTTPServer.Builder builder = HTTPServer.builder().port(settings.metricsPort()).registry(registry);
                if (address != null && !address.isBlank()) builder.hostname(address.trim());
                server = builder.buildAndStart();
            } catch (IOException e) {
                throw new UncheckedIOException("metrics port " + settings.metricsPort(), e);
            }
        }
        self.set(operator);
        HealthServer healthServer = settings.healthPort() > 0 ? HealthServer.start(System.getenv("BIND_ADDRESS"), settings.healthPort(), health) : null;
        operator.start();
        LOG.info("operator started healthPort={}", settings.healthPort());
        return new OperatorMain(operator, server, healthServer, health, stopping);
    }

    /** The port the metrics endpoint listens on (useful when started with port 0 in tests: not supported, -1). */
    public int metricsPort() {
        return metricsServer == null ? -1 : metricsServer.getPort();
    }

    /** The port of /healthz and /readyz (-1 when off). */
    public int healthPort() {
        return healthServer == null ? -1 : healthServer.port();
    }

    public OperatorHealth health() {
        return health;
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) return;
        LOG.info("operator stopping");
        stopping.set(true);
        try {
            operator.stop();
        } finally {
            if (metricsServer != null) metricsServer.close();
            if (healthServer != null) healthServer.close();
        }
        LOG.info("operator stopped");
    }
}
