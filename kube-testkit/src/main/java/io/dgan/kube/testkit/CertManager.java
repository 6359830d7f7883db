package io.dgan.kube.testkit;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;

/**
 * Real cert-manager for a {@link KubeCluster}: its {@code cert-manager.io} CRDs and its own controllers
 * ({@code kube-kit/cert-manager/build.sh} builds them into the kit's folder as {@code cert-manager-controller}),
 * run as a process against the cluster's API server as the admin, without leader election.
 *
 * <p>What runs: the issuers controller (an Issuer's Ready condition) for {@code selfSigned} and {@code ca} Issuers,
 * the six certificates controllers (trigger, key manager, request manager, issuing, readiness, revision manager: a
 * Certificate becomes a Secret with {@code ca.crt}, {@code tls.crt}, {@code tls.key} and is reissued when its
 * renewal time comes or its spec changes), and the CertificateRequest approver and the CA and self-signed signers.
 * Not run: cert-manager's webhook, so nothing validates or defaults cert-manager resources on admission (a
 * Certificate the webhook would refuse, e.g. a duration under 1h or a renewBefore under 5m, is accepted here), ACME,
 * Vault, Venafi, ClusterIssuers and the ingress/gateway shims. The API server alone is enough: it needs no
 * kube-controller-manager (without one, nothing garbage-collects what Certificates own).
 */
public final class CertManager {
    public static final String GROUP = "cert-manager.io";
    public static final String VERSION = "v1";
    public static final ResourceDefinitionContext CERTIFICATES = kind("Certificate", "certificates", true);
    public static final ResourceDefinitionContext ISSUERS = kind("Issuer", "issuers", true);
    public static final ResourceDefinitionContext CLUSTER_ISSUERS = kind("ClusterIssuer", "clusterissuers", false);
    public static final ResourceDefinitionContext CERTIFICATE_REQUESTS =
            kind("CertificateRequest", "certificaterequests", true);

    /** Clusters cert-manager was started for (weakly: a closed cluster's entry goes with it). */
    private static final Map<KubeCluster, Process> STARTED = new WeakHashMap<>();

    private CertManager() {
    }

    private static ResourceDefinitionContext kind(String kind, String plural, boolean namespaced) {
        return new ResourceDefinitionContext.Builder().withGroup(GROUP).withVersion(VERSION).withKind(kind)
                .withPlural(plural).withNamespaced(namespaced).build();
    }

    /**
     * Installs the CRDs, waits for them to be Established and starts the controllers, once per cluster; returns
     * once their informers have synced, with the cert-manager version they are (e.g. {@code v1.21.2}). Log:
     * {@link #log(KubeCluster)}.
     */
    public static synchronized String start(KubeCluster cluster) {
        Path bin = cluster.binaries().dir();
        if (!built(cluster.binaries())) {
            throw new IllegalStateException(bin.resolve("cert-manager-controller") + " does not exist: run "
                    + "kube-kit/cert-manager/build.sh (the build runs it in the kube-testkit module unless -DskipKubeKit)");
        }
        String version = LogFiles.read(bin.resolve("cert-manager-version")).strip();
        if (STARTED.containsKey(cluster)) return version;
        Path crds = bin.resolve("cert-manager-crds");
        cluster.kubectl("apply", "--server-side", "-f", crds.toString());
        // The controllers' informers list these kinds at start: unserved kinds would only show up as retries.
        cluster.kubectl("wait", "--for=condition=Established", "--timeout=120s", "-f", crds.toString());
        Process controller = cluster.spawn("cert-manager", List.of(bin.resolve("cert-manager-controller").toString(),
                "--kubeconfig=" + cluster.kubeconfig(), "--v=2"));
        Path log = log(cluster);
        Waits.until(Duration.ofSeconds(120), "cert-manager's controllers running (log " + log + ")", () -> {
            if (!controller.isAlive()) {
                throw new IllegalStateException("cert-manager-controller exited " + controller.exitValue() + ": "
                        + LogFiles.tail(log));
            }
            return LogFiles.read(log).contains("cert-manager controllers running");
        });
        STARTED.put(cluster, controller);
        return version;
    }

    /**
     * Uninstalls cert-manager from the cluster: stops the controllers and deletes the CRDs (and with them every
     * cert-manager resource), and returns once the API server no longer serves {@code cert-manager.io/v1}. A no-op
     * where it was not started.
     */
    public static synchronized void stop(KubeCluster cluster) {
        Process controller = STARTED.remove(cluster);
        if (controller == null) return;
        controller.destroy();
        try {
            if (!controller.waitFor(20, java.util.concurrent.TimeUnit.SECONDS)) controller.destroyForcibly().waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted stopping cert-manager", e);
        }
        Path crds = cluster.binaries().dir().resolve("cert-manager-crds");
        cluster.kubectl("delete", "--wait=true", "--timeout=120s", "-f", crds.toString());
        Waits.until(Duration.ofSeconds(60), GROUP + "/" + VERSION + " gone from discovery", () -> {
            try {
                cluster.kubectl("get", "--raw", "/apis/" + GROUP + "/" + VERSION);
                return false;
            } catch (IllegalStateException gone) {
                return true;
            }
        });
    }

    /** Whether {@code kube-kit/cert-manager/build.sh} has built cert-manager into the kit's folder. */
    public static boolean built(KubeBinaries binaries) {
        return binaries.has("cert-manager-controller") && Files.isRegularFile(binaries.path("cert-manager-version"))
                && Files.isDirectory(binaries.path("cert-manager-crds"));
    }

    /** The controllers' log ({@code logs/cert-manager.log} under the cluster's folder). */
    public static Path log(KubeCluster cluster) {
        return cluster.dir().resolve("logs/cert-manager.log");
    }

    /** Whether the resource (an Issuer, Certificate or CertificateRequest) has condition {@code Ready=True}. */
    public static boolean ready(GenericKubernetesResource resource) {
        return ResourceConditions.isTrue(resource, "Ready");
    }
}
