package io.dgan.operator.resources;

import io.dgan.operator.crd.DecentralizedGANJob;
import io.dgan.transport.PeerIdentity;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

import java.io.ByteArrayInputStream;
import java.io.StringReader;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Mutual TLS material for a job's gossip plane, as Kubernetes Secrets the operator owns: a per-job CA
 * ({@code <job>-gossip-ca}, type {@code kubernetes.io/tls}: the CA's {@code tls.crt} and {@code tls.key}) and one
 * Secret per rank ({@code <job>-gossip-tls-<rank>}, type {@code kubernetes.io/tls}: {@code ca.crt}, {@code tls.crt},
 * {@code tls.key}) whose certificate carries the URI SAN {@code dgan://<job>/rank/<rank>} ({@link PeerIdentity})
 * and the pod's DNS name. Each rank's pod mounts its own Secret at {@link #MOUNT_DIR} and the worker finds it through
 * {@code DGAN_TLS_DIR}; a peer's rank is proven by its certificate. A Secret per rank (not one per job) keeps each
 * under the 1 MiB object limit for any job size, and a pod never sees another rank's key.
 *
 * <p>Pure builder: creating the Secrets (the CA first, the ranks' from it; the CA Secret is read back on later
 * reconciles so that a replaced rank gets a certificate of the same CA) is the reconciler's job.
 */
public final class GossipTlsSecret {
    public static final String VOLUME = "dgan-gossip-tls";
    public static final String MOUNT_DIR = "/var/run/dgan-tls";
    public static final String ENV = "DGAN_TLS_DIR";
    public static final String TYPE = "kubernetes.io/tls";
    public static final String CA = "ca.crt";
    public static final String CERT = "tls.crt";
    public static final String KEY = "tls.key";
    /** Default validity of a rank's certificate (as cert-manager's); the operator renews it when a third is left. */
    public static final Duration VALIDITY = Duration.ofDays(90);
    /** Validity of a job's CA: longer than any job runs, as the CA is not renewed. */
    public static final Duration AUTHORITY_VALIDITY = Duration.ofDays(3650);
    private static final SecureRandom RANDOM = new SecureRandom();

    private GossipTlsSecret() {
    }

    public static String authorityName(String job) {
        return job + "-gossip-ca";
    }

    public static String rankName(String job, int rank) {
        return job + "-gossip-tls-" + rank;
    }

    /** A new CA for the job (ECDSA P-256, ten years), as an owned Secret. */
    public static Secret authority(DecentralizedGANJob job) {
        String name = job.getMetadata().getName();
        new PeerIdentity(name, 0); // the job name must fit a URI SAN
        try {
            KeyPair keys = keyPair();
            X500Name subject = new X500Name("CN=dgan gossip CA " + name);
            Instant now = Instant.now();
            JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(subject, serial(),
                    Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(AUTHORITY_VALIDITY)), subject,
                    keys.getPublic());
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(0));
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            b.addExtension(Extension.subjectKeyIdentifier, false,
                    new JcaX509ExtensionUtils().createSubjectKeyIdentifier(keys.getPublic()));
            X509Certificate cert = sign(b, keys.getPrivate());
            return secret(job, authorityName(name), Map.of(CERT, pem(cert),
                    KEY, pem(new JcaPKCS8Generator(keys.getPrivate(), null).generate())));
        } catch (Exception e) {
            throw new IllegalStateException("cannot create the gossip CA of job " + name + ": " + e.getMessage(), e);
        }
    }

    /** The Secret of {@code rank}: its key and certificate, issued by the CA in {@code authority}, and the CA's. */
    public static Secret forRank(DecentralizedGANJob job, Secret authority, int rank) {
        return forRank(job, authority, rank, VALIDITY);
    }

    /** As {@link #forRank(DecentralizedGANJob, Secret, int)}, with a certificate valid for {@code validity}. */
    public static Secret forRank(DecentralizedGANJob job, Secret authority, int rank, Duration validity) {
        return forRank(job, authority, rank, validity, Instant.now());
    }

    /** As above, issued at {@code now} (valid from an hour before it, for clocks that lag, until now + validity). */
    public static Secret forRank(DecentralizedGANJob job, Secret authority, int rank, Duration validity, Instant now) {
        String name = job.getMetadata().getName();
        PeerIdentity identity = new PeerIdentity(name, rank);
        try {
            String caPem = pemOf(authority, CERT);
            X509Certificate ca = certificate(caPem);
            PrivateKey caKey = privateKey(pemOf(authority, KEY));
            KeyPair leaf = keyPair();
            JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(ca, serial(),
                    Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(validity)),
                    new X500Name("CN=" + name + " rank " + rank), leaf.getPublic());
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
            b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(
                    new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}));
            String podDns = podDnsName(job, rank);
            b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
                    new GeneralName(GeneralName.uniformResourceIdentifier, identity.uri()),
                    new GeneralName(GeneralName.dNSName, podDns)}));
            b.addExtension(Extension.authorityKeyIdentifier, false, ext.createAuthorityKeyIdentifier(ca));
            b.addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(leaf.getPublic()));
            X509Certificate cert = sign(b, caKey);
            Map<String, String> data = new LinkedHashMap<>();
            data.put(CA, caPem);
            data.put(CERT, pem(cert));
            data.put(KEY, pem(new JcaPKCS8Generator(leaf.getPrivate(), null).generate()));
            Secret s = secret(job, rankName(name, rank), data);
            s.getMetadata().setLabels(new LinkedHashMap<>(Labels.forWorker(name, rank)));
            return s;
        } catch (Exception e) {
            throw new IllegalStateException("cannot issue the gossip certificate of " + identity + ": "
                    + e.getMessage(), e);
        }
    }

    /** The DNS name of {@code rank}'s pod under the job's headless Service, the certificate's DNS SAN. */
    public static String podDnsName(DecentralizedGANJob job, int rank) {
        String name = job.getMetadata().getName();
        String namespace = job.getMetadata().getNamespace();
        return Names.workerPod(name, rank) + "." + Names.peerService(name)
                + (namespace == null ? "" : "." + namespace + ".svc");
    }

    /** When the certificate in a rank's Secret expires; null when the Secret holds no readable certificate. */
    public static Instant notAfter(Secret rankSecret) {
        try {
            return certificate(rankSecret, CERT).getNotAfter().toInstant();
        } catch (Exception e) {
            return null;
        }
    }

    /** The certificate under {@code key} ({@link #CERT} or {@link #CA}) of a TLS Secret. */
    public static X509Certificate certificate(Secret s, String key) throws java.security.cert.CertificateException {
        return certificate(pemOf(s, key));
    }

    /** The X.509 certificate in a PEM text. */
    public static X509Certificate certificate(String pem) throws java.security.cert.CertificateException {
        return (X509Certificate) CertificateFactory.getInstance("X.509")
                .generateCertificate(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)));
    }

    private static Secret secret(DecentralizedGANJob job, String name, Map<String, String> pemData) {
        Map<String, String> data = new LinkedHashMap<>();
        pemData.forEach((k, v) -> data.put(k, Base64.getEncoder().encodeToString(v.getBytes(StandardCharsets.US_ASCII))));
        return new SecretBuilder().withMetadata(Owners.ownedMetadata(job, name)).withType(TYPE).withData(data).build();
    }

    /** The PEM text under {@code key} of a TLS Secret; a missing key is an error naming the Secret and the key. */
    public static String pemOf(Secret s, String key) {
        String b64 = s.getData() == null ? null : s.getData().get(key);
        if (b64 == null) {
            throw new IllegalArgumentException("Secret " + s.getMetadata().getName() + " has no " + key);
        }
        return new String(Base64.getDecoder().decode(b64), StandardCharsets.US_ASCII);
    }

    private static PrivateKey privateKey(String pem) throws Exception {
        try (PEMParser parser = new PEMParser(new StringReader(pem))) {
            Object o = parser.readObject();
            JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
            if (o instanceof PEMKeyPair pair) {
                return converter.getKeyPair(pair).getPrivate();
            }
            if (o instanceof org.bouncycastle.asn1.pkcs.PrivateKeyInfo info) {
                return converter.getPrivateKey(info);
            }
            throw new IllegalArgumentException("not a private key");
        }
    }

    private static KeyPair keyPair() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
        return g.generateKeyPair();
    }

    private static BigInteger serial() {
        return new BigInteger(127, RANDOM).add(BigInteger.ONE);
    }

    private static X509Certificate sign(JcaX509v3CertificateBuilder b, PrivateKey issuer) throws Exception {
        return new JcaX509CertificateConverter().getCertificate(
                b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(issuer)));
    }

    private static String pem(Object o) throws java.io.IOException {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter w = new JcaPEMWriter(out)) {
            w.writeObject(o);
        }
        return out.toString();
    }
}
