package io.dgan.operator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import io.dgan.operator.Eventually;
import io.dgan.operator.MockCluster;
import io.dgan.operator.TestJobs;
import io.dgan.operator.crd.DecentralizedGANJob;
import io.dgan.operator.resources.CertManagerCertificates;
import io.dgan.operator.resources.GossipTlsSecret;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The reconcile flow of a job whose gossip certificates cert-manager issues, on the Fabric8 mock (CRUD mode, no
 * cert-manager: the test writes the Secrets as cert-manager would). Against the real cert-manager:
 * {@code CertManagerOnApiServerTest}.
 */
@EnableKubernetesMockClient(crud = true)
class CertManagerIssuerMockTest {
    static final String NS = "training";
    static final Duration WAIT = Duration.ofSeconds(60);
    KubernetesClient client;
    io.fabric8.kubernetes.client.server.mock.KubernetesMockServer server;

    static ClusterPolicy policy(GossipCertificateIssuer issuer) {
        return new ClusterPolicy("", List.of(), Map.of(), Duration.ofDays(90), issuer);
    }

    GenericKubernetesResource certificate(String name) {
        return client.genericKubernetesResources(CertManagerCertificates.CERTIFICATES).inNamespace(NS).withName(name).get();
    }

    GenericKubernetesResource issuer(String name) {
        return client.genericKubernetesResources(CertManagerCertificates.ISSUERS).inNamespace(NS).withName(name).get();
    }

    /** What cert-manager does for a Certificate: fills the Secret of that name with the CA, certificate and key. */
    void issue(String name) {
        client.secrets().inNamespace(NS).withName(name).edit(s -> {
            s.getMetadata().setAnnotations(Map.of("cert-manager.io/certificate-name", name));
            s.setData(Map.of("ca.crt", b64("ca"), "tls.crt", b64("cert " + name), "tls.key", b64("key")));
            return s;
        });
    }

    static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.US_ASCII));
    }

    Optional<Condition> issued(MockCluster cluster, String job) {
        DecentralizedGANJob j = cluster.get(NS, job);
        return j == null || j.getStatus() == null ? Optional.empty()
                : JobConditions.find(j.getStatus(), JobConditions.CERTIFICATES_ISSUED);
    }

    @Test
    void podsStartAsCertManagerIssuesTheirRanksCertificatesAndTheSecretsBelongToTheJob() {
        try (MockCluster cluster = new MockCluster(client, Duration.ofMillis(300),
                policy(GossipCertificateIssuer.CERT_MANAGER))) {
            DecentralizedGANJob job = cluster.create(TestJobs.job("cm", 2, "Ring"));
            String uid = job.getMetadata().getUid();
            Eventually.within(WAIT, () -> {
                assertThat(certificate("cm-gossip-tls-1")).isNotNull();
                assertThat(issued(cluster, "cm")).hasValueSatisfying(c -> {
                    assertThat(c.getStatus()).isEqualTo("False");
                    assertThat(c.getReason()).isEqualTo("Issuing");
                    assertThat(c.getMessage()).contains("ranks [0, 1]").contains("is cert-manager running?");
                });
            });
            assertThat(cluster.get(NS, "cm").getStatus().gossipCertificateIssuer).isEqualTo("cert-manager");
            assertThat(issuer("cm-gossip-selfsigned")).isNotNull();
            assertThat(issuer("cm-gossip-ca")).isNotNull();
            assertThat(certificate("cm-gossip-ca")).isNotNull();
            assertThat(certificate("cm-gossip-tls-0").getMetadata().getOwnerReferences())
                    .extracting(OwnerReference::getUid).containsExactly(uid);
            assertThat(cluster.workers(NS, "cm")).as("no pod before its certificate").isEmpty();
            assertThat(client.secrets().inNamespace(NS).list().getItems()).as("empty Secrets for cert-manager to fill")
                    .hasSize(3).allSatisfy(sec -> {
                        assertThat(sec.getType()).isEqualTo("kubernetes.io/tls");
                        assertThat(sec.getData()).containsOnly(Map.entry("tls.crt", ""), Map.entry("tls.key", ""));
                    });

            issue("cm-gossip-ca");
            issue("cm-gossip-tls-0");
            Eventually.within(WAIT, () -> assertThat(cluster.workers(NS, "cm"))
                    .extracting(p -> p.getMetadata().getName()).containsExactly("cm-worker-0"));
            issue("cm-gossip-tls-1");
            Eventually.within(WAIT, () -> {
                assertThat(cluster.workers(NS, "cm")).hasSize(2);
                assertThat(issued(cluster, "cm")).hasValueSatisfying(c -> assertThat(c.getStatus()).isEqualTo("True"));
            });
            for (String name : List.of("cm-gossip-ca", "cm-gossip-tls-0", "cm-gossip-tls-1")) {
                Secret s = client.secrets().inNamespace(NS).withName(name).get();
                assertThat(s.getMetadata().getOwnerReferences()).as(name + " owned by the job, not as controller")
                        .singleElement().satisfies(o -> {
                            assertThat(o.getUid()).isEqualTo(uid);
                            assertThat(o.getController()).isFalse();
                        });
                assertThat(s.getData().get("tls.crt")).as("left as cert-manager wrote it").isEqualTo(b64("cert " + name));
            }
        }
    }

    @Test
    void aLargeWaitingJobCreatesEachObjectOnceAndReadsABoundedNumberOfSecretsAPass() throws Exception {
        try (MockCluster cluster = new MockCluster(client, Duration.ofMillis(300),
                policy(GossipCertificateIssuer.CERT_MANAGER))) {
            cluster.create(TestJobs.job("big", 40, "Ring"));
            Eventually.within(WAIT, () -> assertThat(issued(cluster, "big")).isPresent());
            Thread.sleep(5_000); // more passes while nothing is issued (one every 2 s)
            assertThat(cluster.workers(NS, "big")).isEmpty();
        }
        // The operator has stopped: every request it made is recorded.
        List<String> requests = new java.util.ArrayList<>();
        for (int n = server.getRequestCount(); n > 0; n--) {
            var r = server.takeRequest(1, TimeUnit.SECONDS);
            if (r == null) break;
            requests.add(r.getMethod() + " " + r.getPath());
        }
        {
            long passes = requests.stream().filter(r -> r.startsWith("GET ")
                    && r.contains("/certificates/big-gossip-tls-0")).count(); // each pass says why rank 0 waits
            assertThat(passes).as("passes that looked at the waiting ranks").isGreaterThanOrEqualTo(2);
            assertThat(requests.stream().filter(r -> r.startsWith("POST ") && r.contains("/certificates")))
                    .as("the CA's and 40 ranks' Certificates, each created once").hasSize(41);
            assertThat(requests.stream().filter(r -> r.startsWith("POST ") && r.contains("/secrets")))
                    .as("their empty Secrets, each created once").hasSize(41);
            assertThat(requests.stream().filter(r -> r.startsWith("GET ") && r.contains("/secrets/big-gossip-tls-")))
                    .as("Secrets read: at most " + CertManagerActions.LOOK_AHEAD + " a pass")
                    .hasSizeLessThanOrEqualTo((int) (passes * CertManagerActions.LOOK_AHEAD));
        }
    }

    @Test
    void autoUsesTheOperatorWhereCertManagersApiIsNotServed() {
        try (MockCluster cluster = new MockCluster(client, Duration.ofMillis(300), policy(GossipCertificateIssuer.AUTO))) {
            cluster.create(TestJobs.job("plain", 2, "Ring"));
            // The reconcile creates the pods before it writes the status: wait for both.
            Eventually.within(WAIT, () -> {
                assertThat(cluster.workers(NS, "plain")).hasSize(2);
                assertThat(cluster.get(NS, "plain").getStatus().gossipCertificateIssuer).isEqualTo("operator");
            });
            assertThat(client.secrets().inNamespace(NS).withName(GossipTlsSecret.rankName("plain", 1)).get()).isNotNull();
            assertThat(certificate("plain-gossip-tls-0")).isNull();
            assertThat(issued(cluster, "plain")).isEmpty();
        }
    }

    @Test
    void aJobFirstAppliedBeforeTheChoiceExistedKeepsTheOperatorsCertificates() {
        try (MockCluster cluster = new MockCluster(client, Duration.ofMillis(300),
                policy(GossipCertificateIssuer.CERT_MANAGER))) {
            // As an earlier operator left it: applied, no issuer recorded.
            DecentralizedGANJob job = TestJobs.job("older", 2, "Ring");
            job.setStatus(new io.dgan.operator.crd.DecentralizedGANJobStatus());
            job.getStatus().applied = SpecChange.snapshot(job.getSpec());
            job.getStatus().phase = "Pending";
            cluster.create(job);
            Eventually.within(WAIT, () -> {
                assertThat(cluster.workers(NS, "older")).hasSize(2);
                assertThat(cluster.get(NS, "older").getStatus().gossipCertificateIssuer).isEqualTo("operator");
            });
            assertThat(certificate("older-gossip-tls-0")).isNull();
        }
    }
}
