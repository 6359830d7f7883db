package io.dgan.operator.resources;

import io.dgan.operator.crd.DecentralizedGANJob;
import io.dgan.transport.PeerIdentity;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import org.junit.jupiter.api.Test;

import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The per-job gossip CA and per-rank certificates as the worker reads them (a mounted kubernetes.io/tls Secret). */
class GossipTlsSecretTest {
    private static DecentralizedGANJob job(String name) {
        DecentralizedGANJob job = new DecentralizedGANJob();
        job.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace("team").withUid("uid-1").build());
        return job;
    }

    private static String text(Secret s, String key) {
        return new String(Base64.getDecoder().decode(s.getData().get(key)), StandardCharsets.US_ASCII);
    }

    private static X509Certificate cert(String pem) throws Exception {
        return (X509Certificate) CertificateFactory.getInstance("X.509")
                .generateCertificate(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)));
    }

    @Test
    void eachRanksSecretChainsToTheJobsCaAndNamesItsRank() throws Exception {
        DecentralizedGANJob job = job("gan");
        Secret ca = GossipTlsSecret.authority(job);
        assertThat(ca.getMetadata().getName()).isEqualTo("gan-gossip-ca");
        assertThat(ca.getType()).isEqualTo("kubernetes.io/tls");
        assertThat(ca.getMetadata().getOwnerReferences()).hasSize(1);
        X509Certificate caCert = cert(text(ca, "tls.crt"));
        assertThat(caCert.getBasicConstraints()).isGreaterThanOrEqualTo(0);

        KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
        store.load(null, null);
        store.setCertificateEntry("ca", caCert);
        TrustManagerFactory f = TrustManagerFactory.getInstance("PKIX");
        f.init(store);
        X509TrustManager pkix = (X509TrustManager) f.getTrustManagers()[0];
        for (int rank : new int[] {0, 3}) {
            Secret s = GossipTlsSecret.forRank(job, ca, rank);
            assertThat(s.getMetadata().getName()).isEqualTo("gan-gossip-tls-" + rank);
            assertThat(s.getData()).containsOnlyKeys("ca.crt", "tls.crt", "tls.key");
            assertThat(text(s, "ca.crt")).isEqualTo(text(ca, "tls.crt"));
            assertThat(text(s, "tls.key")).startsWith("-----BEGIN PRIVATE KEY-----");
            X509Certificate leaf = cert(text(s, "tls.crt"));
            pkix.checkClientTrusted(new X509Certificate[] {leaf}, "UNKNOWN");
            pkix.checkServerTrusted(new X509Certificate[] {leaf}, "UNKNOWN");
            List<?> uri = leaf.getSubjectAlternativeNames().stream().filter(n -> n.get(0).equals(6)).findFirst()
                    .orElseThrow();
            assertThat(PeerIdentity.parse((String) uri.get(1))).isEqualTo(new PeerIdentity("gan", rank));
            assertThat(leaf.getSubjectAlternativeNames()).anySatisfy(n ->
                    assertThat(List.copyOf(n)).isEqualTo(List.of(2, "gan-worker-" + rank + ".gan-peers.team.svc")));
        }
        // Another job's CA does not vouch for this job's ranks.
        Secret other = GossipTlsSecret.authority(job("other"));
        X509Certificate foreign = cert(text(GossipTlsSecret.forRank(job("other"), other, 0), "tls.crt"));
        assertThatThrownBy(() -> pkix.checkClientTrusted(new X509Certificate[] {foreign}, "UNKNOWN"))
                .isInstanceOf(java.security.cert.CertificateException.class);
    }

    @Test
    void theWorkerPodMountsItsRanksSecretAndPointsTheWorkerAtIt() {
        io.fabric8.kubernetes.api.model.Pod pod = WorkerPod.desired(io.dgan.operator.TestJobs.job("gan", 8, "Hypercube"), 5);
        assertThat(pod.getSpec().getVolumes()).anySatisfy(v -> {
            assertThat(v.getName()).isEqualTo("dgan-gossip-tls");
            assertThat(v.getSecret().getSecretName()).isEqualTo("gan-gossip-tls-5");
        });
        var worker = pod.getSpec().getContainers().get(0);
        assertThat(worker.getVolumeMounts()).anySatisfy(m -> {
            assertThat(m.getName()).isEqualTo("dgan-gossip-tls");
            assertThat(m.getMountPath()).isEqualTo("/var/run/dgan-tls");
            assertThat(m.getReadOnly()).isTrue();
        });
        assertThat(worker.getEnv()).anySatisfy(e -> {
            assertThat(e.getName()).isEqualTo("DGAN_TLS_DIR");
            assertThat(e.getValue()).isEqualTo("/var/run/dgan-tls");
        });
        assertThatThrownBy(() -> GossipTlsSecret.authority(job("Bad_Name")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("Bad_Name");
    }
}
