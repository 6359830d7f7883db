package io.dgan.operator.reconcile;

import io.dgan.operator.crd.DecentralizedGANJob;
import io.dgan.operator.resources.GossipTlsSecret;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The operator's renewal of the ranks' gossip certificates, on the Fabric8 mock (CRUD mode). */
@EnableKubernetesMockClient(crud = true)
class GossipCertificateRenewalMockTest {
    static final Duration VALIDITY = Duration.ofSeconds(90);
    KubernetesClient client;
    KubernetesMockServer server;

    private DecentralizedGANJob job() {
        DecentralizedGANJob job = new DecentralizedGANJob();
        job.setMetadata(new ObjectMetaBuilder().withName("gan").withNamespace("team").withUid("uid-renew").build());
        return job;
    }

    private Secret rank(int r) {
        return client.secrets().inNamespace("team").withName(GossipTlsSecret.rankName("gan", r)).get();
    }

    private static Clock at(Instant t) {
        return Clock.fixed(t, ZoneOffset.UTC);
    }

    @Test
    void certificatesWithAThirdOfTheirValidityLeftAreRenewedFromTheSameCaAndOthersAreLeftAlone() throws Exception {
        DecentralizedGANJob job = job();
        PodActions actions = new PodActions(client);
        Secret authority = actions.gossipAuthority(job);
        for (int r = 0; r < 3; r++) {
            actions.ensureGossipCertificate(job, authority, r, VALIDITY);
        }
        Instant issued = Instant.now();
        Map<Integer, X509Certificate> before = Map.of(0, GossipTlsSecret.certificate(rank(0), "tls.crt"), 1, GossipTlsSecret.certificate(rank(1), "tls.crt"),
                2, GossipTlsSecret.certificate(rank(2), "tls.crt"));
        assertThat(Duration.between(before.get(0).getNotBefore().toInstant().plus(Duration.ofHours(1)),
                before.get(0).getNotAfter().toInstant())).isEqualTo(VALIDITY);

        // Fresh: nothing to do; the next look is when the first falls due, and nothing is read before it.
        GossipCertificateRenewal fresh = new GossipCertificateRenewal(at(issued), VALIDITY);
        GossipCertificateRenewal.Outcome first = fresh.renewDue(client, job, 2, actions);
        assertThat(first.renewed()).isEmpty();
        assertThat(first.nextDue()).isBetween(issued.plusSeconds(55), issued.plusSeconds(61));
        int requests = server.getRequestCount();
        assertThat(fresh.renewDue(client, job, 2, actions).renewed()).isEmpty();
        assertThat(server.getRequestCount()).as("no request before the next due time").isEqualTo(requests);

        // 70 s later, 20 s are left of 90: ranks 0 and 1 of a 2-worker job are renewed, rank 2's Secret (a rank
        // the job no longer has) is left as it was.
        GossipCertificateRenewal later = new GossipCertificateRenewal(at(issued.plusSeconds(70)), VALIDITY);
        GossipCertificateRenewal.Outcome renewed = later.renewDue(client, job, 2, actions);
        assertThat(renewed.renewed()).containsExactly(0, 1);
        X509Certificate ca = GossipTlsSecret.certificate(authority, "tls.crt");
        for (int r = 0; r < 2; r++) {
            Secret s = rank(r);
            X509Certificate now = GossipTlsSecret.certificate(s, "tls.crt");
            assertThat(now.getSerialNumber()).isNotEqualTo(before.get(r).getSerialNumber());
            assertThat(now.getPublicKey()).isNotEqualTo(before.get(r).getPublicKey());
            assertThat(now.getNotAfter()).isAfter(before.get(r).getNotAfter());
            now.verify(ca.getPublicKey());
            assertThat(GossipTlsSecret.certificate(s, "ca.crt")).isEqualTo(ca);
            String uri = "dgan://gan/rank/" + r;
            assertThat(now.getSubjectAlternativeNames()).anyMatch(n -> n.get(1).equals(uri));
            assertThat(s.getMetadata().getLabels()).containsEntry("dgan.io/rank", Integer.toString(r));
            assertThat(new String(Base64.getDecoder().decode(s.getData().get("tls.key")), StandardCharsets.US_ASCII))
                    .startsWith("-----BEGIN PRIVATE KEY-----");
        }
        assertThat(GossipTlsSecret.certificate(rank(2), "tls.crt")).isEqualTo(before.get(2));
        assertThat(renewed.nextDue()).isAfter(issued.plusSeconds(70));
    }

    @Test
    void aJobWhoseSecretsDoNotExistYetIsLookedAtAgainWhenTheirCertificatesFallDue() {
        DecentralizedGANJob job = job();
        Instant now = Instant.now();
        GossipCertificateRenewal renewal = new GossipCertificateRenewal(at(now), VALIDITY);
        GossipCertificateRenewal.Outcome outcome = renewal.renewDue(client, job, 2, new PodActions(client));
        assertThat(outcome.renewed()).isEmpty();
        assertThat(outcome.nextDue()).as("the certificates its pods get now fall due 60 s from now")
                .isEqualTo(now.plusSeconds(60));
    }

    @Test
    void aNewJobsFirstPassReadsNothingAndItsNextLookIsWhenItsCertificatesFallDue() {
        DecentralizedGANJob job = job();
        Instant now = Instant.now();
        GossipCertificateRenewal renewal = new GossipCertificateRenewal(at(now), VALIDITY);
        int requests = server.getRequestCount();
        assertThat(renewal.issuingNow(job)).isEqualTo(now.plusSeconds(60));
        assertThat(renewal.renewDue(client, job, 512, new PodActions(client)).renewed()).isEmpty();
        assertThat(server.getRequestCount()).as("no Secret read for a job whose Secrets are being made").isEqualTo(requests);
        assertThat(new GossipCertificateRenewal(at(now), Duration.ofDays(90)).issuingNow(job))
                .as("looked at again within the hour").isEqualTo(now.plus(Duration.ofHours(1)));
    }

    @Test
    void aSecretWhoseCertificateCannotBeReadIsReissued() {
        DecentralizedGANJob job = job();
        PodActions actions = new PodActions(client);
        Secret authority = actions.gossipAuthority(job);
        actions.ensureGossipCertificate(job, authority, 0, VALIDITY);
        client.secrets().inNamespace("team").withName(GossipTlsSecret.rankName("gan", 0)).edit(s -> {
            s.getData().put("tls.crt", Base64.getEncoder().encodeToString("garbage".getBytes(StandardCharsets.US_ASCII)));
            return s;
        });
        GossipCertificateRenewal renewal = new GossipCertificateRenewal(Clock.systemUTC(), VALIDITY);
        assertThat(renewal.renewDue(client, job, 1, actions).renewed()).containsExactly(0);
        assertThat(GossipTlsSecret.notAfter(rank(0))).isAfter(Instant.now().plusSeconds(60));
    }

    @Test
    void validitiesAreDescribedInTheirLargestWholeUnit() {
        assertThat(GossipCertificateRenewal.describe(Duration.ofDays(90))).isEqualTo("90d");
        assertThat(GossipCertificateRenewal.describe(Duration.ofHours(36))).isEqualTo("36h");
        assertThat(GossipCertificateRenewal.describe(Duration.ofSeconds(120))).isEqualTo("2m");
        assertThat(GossipCertificateRenewal.describe(Duration.ofSeconds(61))).isEqualTo("61s");
    }
}
