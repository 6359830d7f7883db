package io.dgan.operator.apiserver;

import io.dgan.kube.testkit.KubeCluster;
import io.dgan.kube.testkit.Waits;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * One real etcd + kube-apiserver for the operator module's API-level tests (started on first use, stopped when the
 * test JVM exits), with the committed CRD installed as a user would: {@code kubectl apply -f crds/}.
 */
final class ApiServers {
    static final Path CRD = Path.of("../crds/decentralizedganjobs.dgan.io-v1.yml");
    private static KubeCluster shared;

    private ApiServers() {
    }

    static synchronized KubeCluster shared() {
        if (shared == null) {
            shared = started("dgan-apiserver-");
            System.out.println("[real-cluster] kube-apiserver " + shared.serverVersion() + " + etcd "
                    + shared.binaries().etcdVersion() + " built from Go modules at " + shared.url()
                    + "; nodes: none (API-level tests)");
        }
        return shared;
    }

    /**
     * A new etcd + kube-apiserver with the CRD installed, for a test that changes the cluster for everyone on it
     * (e.g. installs cert-manager); the caller closes it.
     */
    static KubeCluster started(String prefix) {
        KubeCluster cluster;
        try {
            cluster = KubeCluster.apiServer(Files.createTempDirectory(prefix));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        cluster.kubectl("apply", "--server-side", "-f", CRD.toAbsolutePath().toString());
        KubernetesClient admin = cluster.adminClient();
        Waits.until(Duration.ofSeconds(60), "CRD Established", () -> {
            CustomResourceDefinition crd = admin.apiextensions().v1().customResourceDefinitions()
                    .withName("decentralizedganjobs.dgan.io").get();
            return crd != null && crd.getStatus() != null && crd.getStatus().getConditions() != null && crd.getStatus().getConditions().stream()
                    .anyMatch(c -> c.getType().equals("Established") && c.getStatus().equals("True"));
        });
        // Discovery of a new CRD lags its Established condition by a moment.
        Waits.until(Duration.ofSeconds(30), "dgan.io in discovery", () -> {
            try {
                cluster.kubectl("get", "decentralizedganjobs", "-A");
                return true;
            } catch (IllegalStateException notYet) {
                return false;
            }
        });
        return cluster;
    }

    /** A fresh namespace (tests share the server, never a namespace). */
    static String namespace(String prefix) {
        return namespace(shared(), prefix);
    }

    /** A fresh namespace on {@code cluster}. */
    static String namespace(KubeCluster cluster, String prefix) {
        String name = prefix + "-" + Long.toString(System.nanoTime() % 1_000_000_000L, 36);
        // Pod Security Admission at "restricted": the API server refuses a worker pod the operator builds unless
        // it meets the restricted profile (non-root, no privilege escalation, capabilities dropped, seccomp).
        cluster.adminClient().namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(name)
                .addToLabels("pod-security.kubernetes.io/enforce", "restricted")
                .endMetadata().build()).create();
        return name;
    }

    static CustomResourceDefinition committedCrd() {
        try {
            return Serialization.unmarshal(Files.readString(CRD), CustomResourceDefinition.class);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
