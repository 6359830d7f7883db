package io.dgan.transport.grpc.tls;

import io.dgan.transport.PeerIdentity;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;

/**
 * A certificate authority for one job's gossip plane (the operator's per-job CA, the local launcher's per-run CA):
 * ECDSA P-256 keys, a self-signed CA, and per-rank certificates whose URI SAN is {@link PeerIdentity#uri()} and
 * whose extended key usage allows both ends of a connection (a worker is server and client). PEM in, PEM out, in the
 * layout of a Kubernetes TLS Secret: {@code ca.crt}, {@code tls.crt}, {@code tls.key} (PKCS#8).
 */
public final class GossipCertificates {
    /** Validity of a CA and of the certificates it issues (a job restarted within a year keeps its Secret). */
    public static final Duration VALIDITY = Duration.ofDays(365);
    public static final String CA_FILE = "ca.crt";
    public static final String CERT_FILE = "tls.crt";
    public static final String KEY_FILE = "tls.key";

    private static final SecureRandom RANDOM = new SecureRandom();

    private final String job;
    private final KeyPair keys;
    private final X509Certificate certificate;

    private GossipCertificates(String job, KeyPair keys, X509Certificate certificate) {
        this.job = job;
        this.keys = keys;
        this.certificate = certificate;
    }

    /** A fresh CA for {@code job}; its private key exists only in this object. */
    public static GossipCertificates newAuthority(String job) {
        new PeerIdentity(job, 0); // validates the job name for use in a URI SAN
        try {
            KeyPair keys = keyPair();
            X500Name name = new X500Name("CN=dgan gossip CA " + job);
            Instant now = Instant.now();
            JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(name, serial(),
                    Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(VALIDITY)), name, keys.getPublic());
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(0));
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            b.addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(keys.getPublic()));
            return new GossipCertificates(job, keys, sign(b, keys));
        } catch (GeneralSecurityException | IOException | OperatorCreationException e) {
            throw new IllegalStateException("cannot create the gossip CA: " + e.getMessage(), e);
        }
    }

    /** A key and certificate for one rank of this CA's job. */
    public record Issued(PeerIdentity identity, String certificatePem, String privateKeyPem, String caPem) {
        /** Writes ca.crt, tls.crt and tls.key (owner-only where the file system allows) into {@code dir}. */
        public void writeTo(Path dir) {
            try {
                Files.createDirectories(dir);
                Files.writeString(dir.resolve(CA_FILE), caPem);
                Files.writeString(dir.resolve(CERT_FILE), certificatePem);
                Path key = dir.resolve(KEY_FILE);
                Files.writeString(key, privateKeyPem);
                try {
                    Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-------"));
                } catch (UnsupportedOperationException notPosix) {
                    // a file system without POSIX permissions: nothing to tighten
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write the certificates of " + identity + " to " + dir
                        + ": " + e.getMessage(), e);
            }
        }
    }

    /**
     * Issues the certificate of {@code rank}: URI SAN {@code dgan://<job>/rank/<rank>}, plus {@code dnsNames} (e.g.
     * the pod's DNS name; not used for verification, handy for other tools).
     */
    public Issued issue(int rank, List<String> dnsNames) {
        PeerIdentity identity = new PeerIdentity(job, rank);
        try {
            KeyPair leaf = keyPair();
            Instant now = Instant.now();
            JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(certificate, serial(),
                    Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(VALIDITY)),
                    new X500Name("CN=" + job + " rank " + rank), leaf.getPublic());
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
            b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(
                    new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}));
            List<GeneralName> names = new ArrayList<>();
            names.add(new GeneralName(GeneralName.uniformResourceIdentifier, identity.uri()));
            for (String dns : dnsNames) {
                names.add(new GeneralName(GeneralName.dNSName, dns));
            }
            b.addExtension(Extension.subjectAlternativeName, false,
                    new GeneralNames(names.toArray(GeneralName[]::new)));
            b.addExtension(Extension.authorityKeyIdentifier, false, ext.createAuthorityKeyIdentifier(certificate));
            b.addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(leaf.getPublic()));
            X509Certificate cert = sign(b, keys);
            return new Issued(identity, pem(cert), pem(new JcaPKCS8Generator(leaf.getPrivate(), null).generate()),
                    certificatePem());
        } catch (GeneralSecurityException | IOException | OperatorCreationException e) {
            throw new IllegalStateException("cannot issue the certificate of " + identity + ": " + e.getMessage(), e);
        }
    }

    public String certificatePem() {
        return pem(certificate);
    }

    public X509Certificate certificate() {
        return certificate;
    }

    private static KeyPair keyPair() throws GeneralSecurityException {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
        return g.generateKeyPair();
    }

    private static BigInteger serial() {
        return new BigInteger(127, RANDOM).add(BigInteger.ONE);
    }

    private static X509Certificate sign(JcaX509v3CertificateBuilder b, KeyPair issuer)
            throws OperatorCreationException, GeneralSecurityException {
        ContentSigner signer = new JcaContentSignerBuilder("SHA256withECDSA").build(issuer.getPrivate());
        X509CertificateHolder holder = b.build(signer);
        return new JcaX509CertificateConverter().getCertificate(holder);
    }

    private static String pem(Object o) {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter w = new JcaPEMWriter(out)) {
            w.writeObject(o);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }
}
