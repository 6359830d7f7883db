package io.dgan.operator.apiserver;

import static org.assertj.core.api.Assertions.assertThat;

import io.dgan.kube.testkit.CertManager;
import io.dgan.kube.testkit.KubeCluster;
import io.dgan.kube.testkit.Waits;
import io.dgan.operator.crd.DecentralizedGANJob;
import io.dgan.operator.reconcile.JobConditions;
import io.dgan.operator.resources.CertManagerCertificates;
import io.dgan.operator.resources.GossipTlsSecret;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.security.KeyFactory;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPrivateKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The operator with cert-manager as the issuer of gossip certificates, against a real kube-apiserver with the chart's
 * RBAC enforced and cert-manager's own controllers ({@code kube-kit/cert-manager}) issuing: on an API server of its
 * own, since installing cert-manager changes what every operator with {@code auto} does.
 */
class CertManagerOnApiServerTest {
    static final String JOB = "gan";

    @Test
    void certManagerIssuesEveryRanksCertificateFromTheJobsCaAndPodsWaitForThem() throws Exception {
        try (KubeCluster cluster = ApiServers.started("dgan-cert-manager-")) {
            KubernetesClient admin = cluster.adminClient();
            ChartRbac rbac = ChartRbac.install(cluster, "cm", "cm-system");
            String ns = ApiServers.namespace(cluster, "cm-jobs");
            try (OperatorProcess operator = OperatorProcess.start(cluster, "cm-operator-0", rbac.namespace,
                    rbac.serviceAccount, Map.of("WATCH_NAMESPACES", ns, "GOSSIP_CERTIFICATE_ISSUER", "cert-manager",
                            "GOSSIP_CERTIFICATE_VALIDITY_SECONDS", "7200"))) {
                admin.resource(OperatorOnApiServerTest.job(JOB, ns, 3)).create();

                // cert-manager not installed yet: no pod, and the job says why.
                Waits.until(Duration.ofSeconds(60), "CertificatesIssued=False naming the missing API (operator log "
                        + operator.log + ")", () -> issued(admin, ns).map(c -> "False".equals(c.getStatus())
                        && "CertManagerNotInstalled".equals(c.getReason())).orElse(false));
                assertThat(admin.pods().inNamespace(ns).list().getItems()).isEmpty();

                String version = CertManager.start(cluster);
                OperatorOnApiServerTest.awaitPods(operator, admin, ns, JOB, 3);
                DecentralizedGANJob job = admin.resources(DecentralizedGANJob.class).inNamespace(ns).withName(JOB).get();
                assertThat(job.getStatus().gossipCertificateIssuer).isEqualTo("cert-manager");
                Waits.until(Duration.ofSeconds(30), "CertificatesIssued=True", () -> issued(admin, ns)
                        .map(c -> "True".equals(c.getStatus())).orElse(false));

                Secret authority = admin.secrets().inNamespace(ns).withName(GossipTlsSecret.authorityName(JOB)).get();
                X509Certificate ca = GossipTlsSecret.certificate(authority, GossipTlsSecret.CERT);
                assertThat(ca.getBasicConstraints()).as("the job's CA is a CA").isGreaterThanOrEqualTo(0);
                String uid = job.getMetadata().getUid();
                assertThat(owners(authority)).as("the CA Secret belongs to the job").contains(uid);
                for (int r = 0; r < 3; r++) {
                    Secret secret = admin.secrets().inNamespace(ns).withName(GossipTlsSecret.rankName(JOB, r)).get();
                    X509Certificate cert = GossipTlsSecret.certificate(secret, GossipTlsSecret.CERT);
                    assertThat(GossipTlsSecret.certificate(secret, GossipTlsSecret.CA)).as("ca.crt is the job's CA").isEqualTo(ca);
                    cert.verify(ca.getPublicKey()); // signed by it
                    assertThat(cert.getSubjectAlternativeNames()).as("rank " + r + "'s SANs").containsExactlyInAnyOrder(
                            List.of(6, "dgan://" + JOB + "/rank/" + r),
                            List.of(2, JOB + "-worker-" + r + "." + JOB + "-peers." + ns + ".svc"));
                    assertThat(cert.getExtendedKeyUsage()).contains("1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2");
                    Duration validity = Duration.between(cert.getNotBefore().toInstant(), cert.getNotAfter().toInstant());
                    assertThat(validity).as("GOSSIP_CERTIFICATE_VALIDITY_SECONDS").isEqualTo(Duration.ofHours(2));
                    String key = GossipTlsSecret.pemOf(secret, GossipTlsSecret.KEY);
                    assertThat(key).as("PKCS#8, as the operator's own keys").startsWith("-----BEGIN PRIVATE KEY-----");
                    assertThat(KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(Base64.getMimeDecoder()
                            .decode(key.replaceAll("-----[A-Z ]+-----", ""))))).isInstanceOf(ECPrivateKey.class);
                    assertThat(owners(secret)).as("rank " + r + "'s Secret belongs to the job").contains(uid);
                    assertThat(secret.getMetadata().getLabels()).containsEntry("dgan.io/rank", Integer.toString(r));
                    // cert-manager's readiness controller marks the Certificate Ready after the issuing one wrote it.
                    String certificate = GossipTlsSecret.rankName(JOB, r);
                    Waits.until(Duration.ofSeconds(30), "Certificate " + certificate + " Ready", () -> CertManager.ready(
                            admin.genericKubernetesResources(CertManagerCertificates.CERTIFICATES).inNamespace(ns)
                                    .withName(certificate).get()));
                }
                assertThat(admin.genericKubernetesResources(CertManagerCertificates.CERTIFICATES).inNamespace(ns).list()
                        .getItems()).as("the CA and 3 ranks, all owned by the job").hasSize(4)
                        .allSatisfy(c -> assertThat(c.getMetadata().getOwnerReferences())
                                .extracting(OwnerReference::getUid).containsExactly(uid));
                List<AuditLog.Request> requests = AuditLog.requestsBy(cluster.auditLog(), rbac.user());
                assertThat(AuditLog.forbidden(requests)).as("requests the chart's RBAC does not grant; used: "
                        + AuditLog.used(requests)).isEmpty();
                System.out.println("[real-cluster] cert-manager " + version + " issued the gossip certificates of a "
                        + "3-worker job from its own CA; pods created once their Secrets existed");
            }
        }
    }

    static Optional<Condition> issued(KubernetesClient admin, String ns) {
        DecentralizedGANJob j = admin.resources(DecentralizedGANJob.class).inNamespace(ns).withName(JOB).get();
        return j == null || j.getStatus() == null ? Optional.empty()
                : JobConditions.find(j.getStatus(), JobConditions.CERTIFICATES_ISSUED);
    }

    static List<String> owners(Secret s) {
        List<OwnerReference> refs = s.getMetadata().getOwnerReferences();
        return refs == null ? List.of() : refs.stream().map(OwnerReference::getUid).toList();
    }
}
