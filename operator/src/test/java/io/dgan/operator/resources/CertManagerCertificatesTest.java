package io.dgan.operator.resources;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dgan.operator.TestJobs;
import io.dgan.operator.crd.DecentralizedGANJob;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The cert-manager resources of a job's gossip plane, against the YAML a user would write for them. */
class CertManagerCertificatesTest {
    final DecentralizedGANJob job = TestJobs.job("gan", 4, "Ring");

    static GenericKubernetesResource yaml(String text) {
        return Serialization.unmarshal(text, GenericKubernetesResource.class);
    }

    /** Compared as JSON trees (the order of a map's keys does not matter, types and values do). */
    static void assertSame(GenericKubernetesResource actual, String expected) {
        try {
            var json = new com.fasterxml.jackson.databind.ObjectMapper();
            assertThat(json.readTree(Serialization.asJson(actual)))
                    .isEqualTo(json.readTree(Serialization.asJson(yaml(expected))));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void theJobsCaIsSelfSignedByItsOwnIssuer() {
        assertSame(CertManagerCertificates.selfSignedIssuer(job), """
                apiVersion: cert-manager.io/v1
                kind: Issuer
                """ + BuildersTest.META.formatted("gan-gossip-selfsigned") + """
                spec:
                  selfSigned: {}
                """);
        assertSame(CertManagerCertificates.authority(job), """
                apiVersion: cert-manager.io/v1
                kind: Certificate
                """ + BuildersTest.META.formatted("gan-gossip-ca") + """
                spec:
                  isCA: true
                  commonName: dgan gossip CA gan
                  secretName: gan-gossip-ca
                  duration: 315360000s
                  privateKey: {algorithm: ECDSA, size: 256, encoding: PKCS8}
                  issuerRef: {name: gan-gossip-selfsigned, kind: Issuer, group: cert-manager.io}
                """);
        assertSame(CertManagerCertificates.authorityIssuer(job), """
                apiVersion: cert-manager.io/v1
                kind: Issuer
                """ + BuildersTest.META.formatted("gan-gossip-ca") + """
                spec:
                  ca: {secretName: gan-gossip-ca}
                """);
    }

    @Test
    void aRanksCertificateNamesItsJobAndRankAndIsRenewedWhenAThirdIsLeft() {
        String meta = BuildersTest.META.formatted("gan-gossip-tls-2").replace("""
                    dgan.io/job: gan
                """, """
                    dgan.io/job: gan
                    dgan.io/role: worker
                    dgan.io/rank: "2"
                """);
        assertSame(CertManagerCertificates.forRank(job, 2, Duration.ofDays(90)), """
                apiVersion: cert-manager.io/v1
                kind: Certificate
                """ + meta + """
                spec:
                  secretName: gan-gossip-tls-2
                  secretTemplate:
                    labels:
                      app.kubernetes.io/name: dgan
                      app.kubernetes.io/managed-by: dgan-operator
                      dgan.io/job: gan
                      dgan.io/role: worker
                      dgan.io/rank: "2"
                  duration: 7776000s
                  renewBefore: 2592000s
                  uris: [dgan://gan/rank/2]
                  dnsNames: [gan-worker-2.gan-peers.training.svc]
                  usages: [digital signature, server auth, client auth]
                  privateKey: {algorithm: ECDSA, size: 256, encoding: PKCS8, rotationPolicy: Always}
                  issuerRef: {name: gan-gossip-ca, kind: Issuer, group: cert-manager.io}
                """);
    }

    @Test
    void aJobNameThatCannotBeAUriHostIsRefused() {
        DecentralizedGANJob bad = TestJobs.job("Gan_1", 2, "Ring");
        assertThatThrownBy(() -> CertManagerCertificates.authority(bad)).isInstanceOf(IllegalArgumentException.class);
    }
}
