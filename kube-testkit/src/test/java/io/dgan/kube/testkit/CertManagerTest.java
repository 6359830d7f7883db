package io.dgan.kube.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real cert-manager on the kit's API server (no kube-controller-manager): the per-job chain of a self-signed
 * Issuer, a CA Certificate it signs, a CA Issuer over that Certificate's Secret and one ECDSA certificate per rank
 * becomes Secrets whose certificates chain to the CA and carry the rank's URI; a rank certificate is replaced by a
 * new one (new serial, new key) when its renewBefore is reached.
 */
class CertManagerTest {
    private static final String JOB = "demo";
    private static final int RANKS = 2;

    @TempDir
    Path dir;

    @Test
    void issuesRankCertificatesFromAPerJobCaAndRenewsThem() throws Exception {
        try (KubeCluster cluster = KubeCluster.apiServer(dir)) {
            assertThat(CertManager.start(cluster)).startsWith("v1.");
            assertThat(CertManager.start(cluster)).as("started once per cluster").startsWith("v1.");
            KubernetesClient admin = cluster.adminClient();
            String ns = "cm-test";
            admin.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build())
                    .create();

            create(admin, ns, CertManager.ISSUERS, """
                    apiVersion: cert-manager.io/v1
                    kind: Issuer
                    metadata: {name: %1$s-gossip-selfsigned}
                    spec: {selfSigned: {}}
                    """.formatted(JOB));
            create(admin, ns, CertManager.CERTIFICATES, """
                    apiVersion: cert-manager.io/v1
                    kind: Certificate
                    metadata: {name: %1$s-gossip-ca}
                    spec:
                      isCA: true
                      commonName: %1$s-gossip-ca
                      secretName: %1$s-gossip-ca
                      privateKey: {algorithm: ECDSA, size: 256}
                      issuerRef: {name: %1$s-gossip-selfsigned, kind: Issuer, group: cert-manager.io}
                    """.formatted(JOB));
            create(admin, ns, CertManager.ISSUERS, """
                    apiVersion: cert-manager.io/v1
                    kind: Issuer
                    metadata: {name: %1$s-gossip-ca}
                    spec: {ca: {secretName: %1$s-gossip-ca}}
                    """.formatted(JOB));
            for (int rank = 0; rank < RANKS; rank++) {
                create(admin, ns, CertManager.CERTIFICATES, """
                        apiVersion: cert-manager.io/v1
                        kind: Certificate
                        metadata: {name: %1$s-gossip-tls-%2$d}
                        spec:
                          secretName: %1$s-gossip-tls-%2$d
                          uris: ["dgan://%1$s/rank/%2$d"]
                          dnsNames: [%1$s-%2$d.%3$s.svc]
                          usages: [server auth, client auth, digital signature]
                          privateKey: {algorithm: ECDSA, size: 256, encoding: PKCS8, rotationPolicy: Always}
                          duration: 24h
                          renewBefore: 8h
                          issuerRef: {name: %1$s-gossip-ca, kind: Issuer, group: cert-manager.io}
                        """.formatted(JOB, rank, ns));
            }

            String awaited = "both rank Certificates Ready with their Secrets (cert-manager log "
                    + CertManager.log(cluster) + ")";
            Waits.until(Duration.ofSeconds(120), awaited, () -> {
                for (int rank = 0; rank < RANKS; rank++) {
                    String name = JOB + "-gossip-tls-" + rank;
                    if (!CertManager.ready(admin.genericKubernetesResources(CertManager.CERTIFICATES).inNamespace(ns)
                            .withName(name).get())) return false;
                    Secret s = admin.secrets().inNamespace(ns).withName(name).get();
                    if (s == null || s.getData() == null
                            || !s.getData().keySet().containsAll(List.of("ca.crt", "tls.crt", "tls.key"))) return false;
                }
                return true;
            });
            assertThat(CertManager.ready(admin.genericKubernetesResources(CertManager.ISSUERS).inNamespace(ns)
                    .withName(JOB + "-gossip-ca").get())).as("CA Issuer Ready").isTrue();

            X509Certificate ca = certificates(admin.secrets().inNamespace(ns).withName(JOB + "-gossip-ca").get(),
                    "tls.crt").get(0);
            assertThat(ca.getBasicConstraints()).as("CA certificate is a CA").isGreaterThanOrEqualTo(0);
            assertThat(ca.getPublicKey()).isInstanceOf(ECPublicKey.class);
            for (int rank = 0; rank < RANKS; rank++) {
                Secret secret = admin.secrets().inNamespace(ns).withName(JOB + "-gossip-tls-" + rank).get();
                assertThat(certificates(secret, "ca.crt")).as("ca.crt is the job's CA").containsExactly(ca);
                List<X509Certificate> chain = certificates(secret, "tls.crt");
                assertThat(chain).as("tls.crt: the leaf alone (cert-manager drops a root CA from the chain)")
                        .hasSize(1);
                X509Certificate leaf = chain.get(0);
                leaf.verify(ca.getPublicKey()); // signed by the job's CA
                assertThat(leaf.getIssuerX500Principal()).isEqualTo(ca.getSubjectX500Principal());
                assertThat(leaf.getBasicConstraints()).as("leaf is no CA").isEqualTo(-1);
                assertThat(leaf.getSubjectAlternativeNames()).contains(
                        List.of(6, "dgan://" + JOB + "/rank/" + rank), List.of(2, JOB + "-" + rank + "." + ns + ".svc"));
                assertThat(leaf.getExtendedKeyUsage()).containsExactlyInAnyOrder("1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2");
                assertThat(leaf.getKeyUsage()[0]).as("digital signature").isTrue();
                assertThat(Duration.between(leaf.getNotBefore().toInstant(), leaf.getNotAfter().toInstant()))
                        .isEqualTo(Duration.ofHours(24));
                PrivateKey key = pkcs8Ec(secret);
                assertThat(matches(key, leaf)).as("tls.key is the key of tls.crt").isTrue();
            }

            // Renewal: 1h is the shortest duration cert-manager's webhook admits and 5m the shortest renewBefore,
            // so a renewBefore of 59m50s makes each new certificate due for renewal 10 s after it is issued.
            String renewed = JOB + "-gossip-tls-1";
            admin.genericKubernetesResources(CertManager.CERTIFICATES).inNamespace(ns).withName(renewed).patch(
                    PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":{\"duration\":\"1h\",\"renewBefore\":\"59m50s\"}}");
            // The spec change alone reissues it (the current request no longer matches the spec): wait for that
            // one-hour certificate first, then for its renewal.
            AtomicReference<X509Certificate> shortLived = new AtomicReference<>();
            Waits.until(Duration.ofSeconds(60), "a 1h certificate in " + renewed, () -> {
                X509Certificate c = leaf(admin, ns, renewed);
                boolean oneHour = c != null && Duration.between(c.getNotBefore().toInstant(),
                        c.getNotAfter().toInstant()).equals(Duration.ofHours(1));
                if (oneHour) shortLived.set(c);
                return oneHour;
            });
            X509Certificate first = shortLived.get();
            PrivateKey firstKey = pkcs8Ec(admin.secrets().inNamespace(ns).withName(renewed).get());
            Waits.until(Duration.ofSeconds(60), renewed + " renewed after its renewBefore", () -> {
                X509Certificate c = leaf(admin, ns, renewed);
                return c != null && !c.getSerialNumber().equals(first.getSerialNumber());
            });
            Secret after = admin.secrets().inNamespace(ns).withName(renewed).get();
            X509Certificate second = certificates(after, "tls.crt").get(0);
            second.verify(ca.getPublicKey());
            assertThat(second.getNotBefore().toInstant()).as("issued at the first one's renewal time, not before")
                    .isAfterOrEqualTo(first.getNotAfter().toInstant().minus(Duration.ofMinutes(59).plusSeconds(50)));
            PrivateKey secondKey = pkcs8Ec(after);
            assertThat(matches(secondKey, second)).isTrue();
            assertThat(secondKey.getEncoded()).as("rotationPolicy Always: a new key").isNotEqualTo(firstKey.getEncoded());
            assertThat(second.getSubjectAlternativeNames()).contains(List.of(6, "dgan://" + JOB + "/rank/1"));
        }
    }

    private static void create(KubernetesClient admin, String ns, ResourceDefinitionContext kind, String yaml) {
        admin.genericKubernetesResources(kind).inNamespace(ns)
                .resource(Serialization.unmarshal(yaml, GenericKubernetesResource.class)).create();
    }

    private static X509Certificate leaf(KubernetesClient admin, String ns, String secret) {
        Secret s = admin.secrets().inNamespace(ns).withName(secret).get();
        if (s == null || s.getData() == null || !s.getData().containsKey("tls.crt")) return null;
        return certificates(s, "tls.crt").get(0);
    }

    private static String text(Secret secret, String key) {
        Map<String, String> data = Objects.requireNonNull(secret, "secret").getData();
        return new String(Base64.getDecoder().decode(data.get(key)), StandardCharsets.US_ASCII);
    }

    @SuppressWarnings("unchecked")
    private static List<X509Certificate> certificates(Secret secret, String key) {
        try {
            return (List<X509Certificate>) (List<?>) List.copyOf(CertificateFactory.getInstance("X.509")
                    .generateCertificates(new ByteArrayInputStream(text(secret, key).getBytes(StandardCharsets.US_ASCII))));
        } catch (GeneralSecurityException e) {
            throw new AssertionError(key + " of " + secret.getMetadata().getName() + " is no PEM certificate", e);
        }
    }

    /** tls.key as PEM "PRIVATE KEY" (PKCS#8, not SEC 1's "EC PRIVATE KEY"), an EC key. */
    private static PrivateKey pkcs8Ec(Secret secret) throws GeneralSecurityException {
        String pem = text(secret, "tls.key").strip();
        assertThat(pem).startsWith("-----BEGIN PRIVATE KEY-----").endsWith("-----END PRIVATE KEY-----");
        byte[] der = Base64.getMimeDecoder().decode(pem.replace("-----BEGIN PRIVATE KEY-----", "")
                .replace("-----END PRIVATE KEY-----", ""));
        PrivateKey key = KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(der));
        assertThat(key).isInstanceOf(ECPrivateKey.class);
        assertThat(((ECPrivateKey) key).getParams().getCurve().getField().getFieldSize()).as("P-256").isEqualTo(256);
        return key;
    }

    private static boolean matches(PrivateKey key, X509Certificate cert) throws GeneralSecurityException {
        byte[] data = "dgan".getBytes(StandardCharsets.US_ASCII);
        Signature signer = Signature.getInstance("SHA256withECDSA");
        signer.initSign(key);
        signer.update(data);
        byte[] signature = signer.sign();
        Signature verifier = Signature.getInstance("SHA256withECDSA");
        verifier.initVerify(cert.getPublicKey());
        verifier.update(data);
        return verifier.verify(signature);
    }
}
