package io.dgan.e2e;

import io.dgan.kube.testkit.KubeCluster;
import io.dgan.kube.testkit.LogFiles;
import io.dgan.kube.testkit.ResourceConditions;
import io.dgan.kube.testkit.Waits;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Kueue's manager ({@code kube-kit/kueue/build.sh} builds it into the kit's folder) running against the test
 * cluster's API server as the admin, with its CRDs installed and no webhook registered with the API server:
 * nothing calls its webhook server, which still starts and serves a self-made certificate from a temp folder.
 * Internal certificate management is off (it would inject CA bundles into webhook configurations and CRD
 * conversion stanzas that this install does not have), so Kueue 0.17 reads its metrics server's certificate from
 * the fixed path {@code /etc/kueue/metrics/certs}: a self-made pair is written there when none is (the metrics
 * server itself is disabled).
 */
final class KueueManager {
    static final String NAMESPACE = "kueue-system";
    static final Path METRICS_CERTS = Path.of("/etc/kueue/metrics/certs");
    private static boolean started;

    private KueueManager() {
    }

    static ResourceDefinitionContext kind(String kind, String plural, boolean namespaced) {
        return new ResourceDefinitionContext.Builder().withGroup("kueue.x-k8s.io").withVersion("v1beta2")
                .withKind(kind).withPlural(plural).withNamespaced(namespaced).build();
    }

    static final ResourceDefinitionContext CLUSTER_QUEUES = kind("ClusterQueue", "clusterqueues", false);
    static final ResourceDefinitionContext LOCAL_QUEUES = kind("LocalQueue", "localqueues", true);
    static final ResourceDefinitionContext RESOURCE_FLAVORS = kind("ResourceFlavor", "resourceflavors", false);
    static final ResourceDefinitionContext WORKLOADS = kind("Workload", "workloads", true);

    /** Installs the CRDs and starts the manager once per cluster; returns the Kueue version it runs. */
    static synchronized String start(KubeCluster cluster) {
        Path bin = cluster.binaries().dir();
        if (!Files.isExecutable(bin.resolve("kueue"))) {
            throw new IllegalStateException(bin.resolve("kueue") + " does not exist: run kube-kit/kueue/build.sh "
                    + "(the e2e module's cluster profile runs it unless -DskipKubeKit)");
        }
        String version = LogFiles.read(bin.resolve("kueue-version")).strip();
        if (started) return version;
        cluster.kubectl("apply", "--server-side", "-f", bin.resolve("kueue-crds").toString());
        // Kueue's manager exits when a kind it indexes is not served yet ("no matches for kind Workload").
        cluster.kubectl("wait", "--for=condition=Established", "--timeout=120s", "-f", bin.resolve("kueue-crds").toString());
        cluster.kubectl("create", "namespace", NAMESPACE);
        Path dir = cluster.dir().resolve("kueue");
        try {
            Files.createDirectories(dir.resolve("webhook-certs"));
            selfSigned(dir.resolve("webhook-certs"), "kueue-webhook-service." + NAMESPACE + ".svc");
            if (!Files.isRegularFile(METRICS_CERTS.resolve("tls.crt"))) {
                Files.createDirectories(METRICS_CERTS);
                selfSigned(METRICS_CERTS, "kueue-metrics");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Kueue's certificates (" + METRICS_CERTS + " must be writable once)", e);
        }
        // A port picked free can be taken before Kueue binds it: pick another and start again.
        for (int attempt = 1; ; attempt++) {
            int port = KubeCluster.freePort();
            write(dir.resolve("config.yaml"), """
                    apiVersion: config.kueue.x-k8s.io/v1beta2
                    kind: Configuration
                    namespace: %s
                    health: {healthProbeBindAddress: "0"}
                    metrics: {bindAddress: "0"}
                    webhook: {host: 127.0.0.1, port: %d, certDir: %s}
                    leaderElection: {leaderElect: false}
                    internalCertManagement: {enable: false}
                    integrations:
                      frameworks: [batch/job]
                      externalFrameworks: [DecentralizedGANJob.v1alpha1.dgan.io]
                    featureGates: {VisibilityOnDemand: false}
                    """.formatted(NAMESPACE, port, dir.resolve("webhook-certs")));
            Process kueue = cluster.spawn("kueue", List.of(bin.resolve("kueue").toString(),
                    "--config=" + dir.resolve("config.yaml"), "--kubeconfig=" + cluster.kubeconfig(), "--zap-log-level=2"));
            Path log = cluster.dir().resolve("logs/kueue.log");
            try {
                Waits.until(Duration.ofSeconds(120), "Kueue's manager started (log " + log + ")", () -> {
                    if (!kueue.isAlive()) throw new IllegalStateException("kueue exited " + kueue.exitValue() + ": " + LogFiles.tail(log));
                    return LogFiles.read(log).contains("Starting manager");
                });
                break;
            } catch (IllegalStateException e) {
                if (attempt >= 3 || !LogFiles.read(log).contains("address already in use")) throw e;
            }
        }
        started = true;
        return version;
    }

    /**
     * A ResourceFlavor for the process node (its hostname label, which Kueue puts on every admitted pod), a
     * ClusterQueue with {@code cpu} quota for exactly {@code cpu} and a LocalQueue {@code queue} in {@code ns}.
     */
    static void queue(KubeCluster cluster, String flavor, String node, String clusterQueue, String cpu, String memory,
                      String ns, String queue) {
        var admin = cluster.adminClient();
        admin.genericKubernetesResources(RESOURCE_FLAVORS).resource(yaml("""
                apiVersion: kueue.x-k8s.io/v1beta2
                kind: ResourceFlavor
                metadata: {name: %s}
                spec:
                  nodeLabels: {kubernetes.io/hostname: %s}
                """.formatted(flavor, node))).serverSideApply();
        admin.genericKubernetesResources(CLUSTER_QUEUES).resource(yaml("""
                apiVersion: kueue.x-k8s.io/v1beta2
                kind: ClusterQueue
                metadata: {name: %s}
                spec:
                  namespaceSelector: {}
                  queueingStrategy: StrictFIFO
                  resourceGroups:
                  - coveredResources: [cpu, memory]
                    flavors:
                    - name: %s
                      resources:
                      - {name: cpu, nominalQuota: "%s"}
                      - {name: memory, nominalQuota: "%s"}
                """.formatted(clusterQueue, flavor, cpu, memory))).serverSideApply();
        admin.genericKubernetesResources(LOCAL_QUEUES).inNamespace(ns).resource(yaml("""
                apiVersion: kueue.x-k8s.io/v1beta2
                kind: LocalQueue
                metadata: {name: %s, namespace: %s}
                spec: {clusterQueue: %s}
                """.formatted(queue, ns, clusterQueue))).serverSideApply();
        Waits.until(Duration.ofSeconds(60), "ClusterQueue " + clusterQueue + " Active (Kueue log "
                + cluster.dir().resolve("logs/kueue.log") + ")", () -> active(admin.genericKubernetesResources(
                CLUSTER_QUEUES).withName(clusterQueue).get()) && active(admin.genericKubernetesResources(LOCAL_QUEUES)
                .inNamespace(ns).withName(queue).get()));
    }

    static boolean active(GenericKubernetesResource r) {
        return ResourceConditions.isTrue(r, "Active");
    }

    static GenericKubernetesResource yaml(String text) {
        return Serialization.unmarshal(text, GenericKubernetesResource.class);
    }

    private static void selfSigned(Path dir, String name) {
        try {
            Process p = new ProcessBuilder("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "30",
                    "-subj", "/CN=" + name, "-addext", "subjectAltName=DNS:" + name + ",IP:127.0.0.1",
                    "-keyout", dir.resolve("tls.key").toString(), "-out", dir.resolve("tls.crt").toString())
                    .redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            if (p.waitFor() != 0) throw new IllegalStateException("openssl: " + out);
        } catch (IOException e) {
            throw new UncheckedIOException("openssl is needed for Kueue's self-made certificates", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static void write(Path file, String text) {
        try {
            Files.writeString(file, text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
