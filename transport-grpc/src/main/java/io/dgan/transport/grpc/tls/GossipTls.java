package io.dgan.transport.grpc.tls;

import io.dgan.transport.PeerIdentity;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.netty.handler.ssl.ClientAuth;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;

import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.SSLException;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import javax.net.ssl.X509TrustManager;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.StringReader;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * A worker's credentials for mutual TLS on the gossip plane: its certificate and key, and the job's CA, as PEM (the
 * files of a Kubernetes TLS Secret: {@code tls.crt}, {@code tls.key}, {@code ca.crt}). Builds the server context
 * (every connecting peer must present a certificate of this CA naming this job and one of its ranks) and one client
 * context per peer (the server must prove it is exactly the rank this worker dialled). Host names are not checked:
 * the identity is the URI SAN {@code dgan://<job>/rank/<r>} ({@link PeerIdentity}), whatever address a rank has.
 *
 * <p>Credentials read from files can be renewed without a restart: {@link #reload()} reads the files again and,
 * when they changed and hold a consistent set for the same identity, every later TLS handshake (new connections,
 * reconnections) presents the new certificate and trusts the new CA bundle; connections already open keep theirs.
 * Kubernetes updates a mounted Secret in place (an atomic switch of the whole directory), so a renewed Secret
 * reaches a running worker this way. A set that does not fit (a key of another certificate, another rank, a
 * half-written file) is refused and the current credentials stay in use.
 */
public final class GossipTls {
    private final Path certificateFile;
    private final Path keyFile;
    private final Path caFile;
    /** How messages name the credentials: the certificate file, or "PEM" for credentials given in memory. */
    private final String source;
    private final PeerIdentity identity;
    private final AtomicReference<Material> current = new AtomicReference<>();
    /** The previous credentials, for a handshake that chose its alias just before a reload. */
    private volatile Material previous;
    private final CurrentKeyManager keyManager = new CurrentKeyManager();

    /** One consistent set: the chain and key this worker presents, and the trust it places in peers. */
    private record Material(long generation, byte[] certificatePem, byte[] keyPem, byte[] caPem,
                            X509Certificate[] chain, PrivateKey key, X509TrustManager pkix) {
        String alias() {
            return ALIAS_PREFIX + generation;
        }
    }

    private static final String ALIAS_PREFIX = "dgan-gossip-";

    private GossipTls(byte[] certificatePem, byte[] keyPem, byte[] caPem, Path certificateFile, Path keyFile,
                      Path caFile) {
        this.certificateFile = certificateFile;
        this.keyFile = keyFile;
        this.caFile = caFile;
        this.source = name(certificateFile);
        Material m = material(1, certificatePem, keyPem, caPem);
        this.identity = identityOf(m.chain[0]);
        if (identity == null) {
            throw new IllegalArgumentException("certificate (" + source + ") names no gossip identity: expected a "
                    + "URI SAN dgan://<job>/rank/<rank>");
        }
        current.set(m);
    }

    /** Reads the three PEM files; a missing or unreadable file is named in the exception. */
    public static GossipTls fromFiles(Path certificate, Path key, Path ca) {
        return new GossipTls(read(certificate, "--tls-cert"), read(key, "--tls-key"), read(ca, "--tls-ca"),
                certificate, key, ca);
    }

    /** Reads {@code ca.crt}, {@code tls.crt}, {@code tls.key} from a directory (a mounted TLS Secret). */
    public static GossipTls fromDirectory(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException("--tls-dir: " + dir + " is not a directory");
        }
        return fromFiles(dir.resolve(GossipCertificates.CERT_FILE), dir.resolve(GossipCertificates.KEY_FILE),
                dir.resolve(GossipCertificates.CA_FILE));
    }

    /** Credentials held in memory only: {@link #reload()} never changes them. */
    public static GossipTls fromPem(String certificatePem, String keyPem, String caPem) {
        return new GossipTls(certificatePem.getBytes(StandardCharsets.US_ASCII),
                keyPem.getBytes(StandardCharsets.US_ASCII), caPem.getBytes(StandardCharsets.US_ASCII), null, null,
                null);
    }

    /** Who this worker's certificate says it is (fixed for the worker's life: a reload may not change it). */
    public PeerIdentity identity() {
        return identity;
    }

    /** Whether the credentials come from files that {@link #reload()} reads again. */
    public boolean reloadable() {
        return certificateFile != null;
    }

    /** The certificate presented now. */
    public X509Certificate certificate() {
        return current.get().chain[0];
    }

    /**
     * Reads the files again. Returns null when nothing changed, otherwise a one-line description of the certificate
     * now in use; throws {@link IllegalArgumentException} (naming the file and what is wrong) when the files changed
     * but cannot be used, in which case the credentials in use stay as they were.
     */
    public synchronized String reload() {
        if (!reloadable()) {
            return null;
        }
        byte[] cert = read(certificateFile, "--tls-cert");
        byte[] key = read(keyFile, "--tls-key");
        byte[] ca = read(caFile, "--tls-ca");
        Material now = current.get();
        if (Arrays.equals(cert, now.certificatePem) && Arrays.equals(key, now.keyPem)
                && Arrays.equals(ca, now.caPem)) {
            return null;
        }
        Material next = material(now.generation + 1, cert, key, ca);
        PeerIdentity named = identityOf(next.chain[0]);
        if (!identity.equals(named)) {
            throw new IllegalArgumentException("--tls-cert: the renewed certificate (" + source + ") is for "
                    + (named == null ? "no gossip identity" : named) + ", this worker is " + identity);
        }
        previous = now;
        current.set(next);
        return "certificate reloaded (" + source + "): serial " + next.chain[0].getSerialNumber().toString(16)
                + ", valid until " + next.chain[0].getNotAfter().toInstant();
    }

    /**
     * Checks that the certificate fits the worker it is given to: the same job, the same rank. Returns a problem
     * or null.
     */
    public String mismatch(String job, int rank) {
        if (!identity.job().equals(job) || identity.rank() != rank) {
            return "the certificate (" + source + ") is for " + identity + ", this worker is "
                    + new PeerIdentity(job, rank);
        }
        return null;
    }

    /**
     * The server context: TLS 1.2+, a client certificate requested (a peer without one reaches no method: every
     * call is refused as unauthenticated and counted); a certificate that does not chain to the CA, names another
     * job or a rank outside {@code 0..size-1} (or this rank) fails the handshake, and {@code refused} hears why.
     */
    public SslContext serverContext(int size, Consumer<String> refused) {
        try {
            return GrpcSslContexts.configure(SslContextBuilder.forServer(keyManager))
                    .trustManager(new RankTrustManager(this::pkix, identity.job(), size, identity.rank(), -1,
                            refused))
                    .clientAuth(ClientAuth.OPTIONAL)
                    .build();
        } catch (SSLException | IllegalArgumentException e) {
            throw new IllegalArgumentException("--tls-key: cannot use the key and certificate (" + source + "): "
                    + e.getMessage(), e);
        }
    }

    /** The client context for the link to {@code peer}: the server must present {@code dgan://<job>/rank/<peer>}. */
    public SslContext clientContext(int size, int peer) {
        try {
            return GrpcSslContexts.configure(SslContextBuilder.forClient().keyManager(keyManager))
                    .trustManager(new RankTrustManager(this::pkix, identity.job(), size, identity.rank(), peer,
                            m -> { }))
                    .build();
        } catch (SSLException | IllegalArgumentException e) {
            throw new IllegalArgumentException("--tls-key: cannot use the key and certificate (" + source + "): "
                    + e.getMessage(), e);
        }
    }

    private X509TrustManager pkix() {
        return current.get().pkix;
    }

    /** Parses and cross-checks one set of PEM files; every problem names the file it is in. */
    private Material material(long generation, byte[] certificatePem, byte[] keyPem, byte[] caPem) {
        List<X509Certificate> authorities = certificates(caPem, "--tls-ca: CA certificate (" + name(caFile) + ")");
        List<X509Certificate> chain = certificates(certificatePem, "--tls-cert: certificate ("
                + source + ")");
        PrivateKey key = privateKey(keyPem);
        if (!signs(key, chain.get(0))) {
            throw new IllegalArgumentException("--tls-key: the private key (" + name(keyFile) + ") does not belong "
                    + "to the certificate (" + source + ")");
        }
        return new Material(generation, certificatePem, keyPem, caPem, chain.toArray(X509Certificate[]::new), key,
                pkix(authorities));
    }

    /** A file as error messages name it ("PEM" for credentials given in memory). */
    private static String name(Path file) {
        return file == null ? "PEM" : file.toString();
    }

    /** Whether {@code key} is the private half of the certificate's public key: a signature it makes verifies. */
    private static boolean signs(PrivateKey key, X509Certificate certificate) {
        String algorithm = switch (key.getAlgorithm()) {
            case "EC" -> "SHA256withECDSA";
            case "RSA" -> "SHA256withRSA";
            case "Ed25519", "EdDSA" -> "Ed25519";
            default -> null;
        };
        if (algorithm == null) {
            return true; // a key type without a known signature scheme: the TLS handshake will tell
        }
        try {
            byte[] probe = "dgan gossip key check".getBytes(StandardCharsets.US_ASCII);
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(probe);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(certificate.getPublicKey());
            verifier.update(probe);
            return verifier.verify(signature);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    private PrivateKey privateKey(byte[] pem) {
        try (PEMParser parser = new PEMParser(new StringReader(new String(pem, StandardCharsets.US_ASCII)))) {
            Object o = parser.readObject();
            JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
            if (o instanceof PEMKeyPair pair) {
                return converter.getKeyPair(pair).getPrivate();
            }
            if (o instanceof PrivateKeyInfo info) {
                return converter.getPrivateKey(info);
            }
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("--tls-key: the private key (" + name(keyFile) + ") is not a PEM "
                + "private key: " + e.getMessage());
        }
        throw new IllegalArgumentException("--tls-key: the key file (" + name(keyFile) + ") holds no unencrypted "
                + "PEM private key");
    }

    /**
     * Presents the current certificate. The alias names the credentials' generation, so a handshake that chose its
     * alias just before a reload still gets a chain and key that belong together.
     */
    private final class CurrentKeyManager extends X509ExtendedKeyManager {
        private String aliasFor(String keyType) {
            Material m = current.get();
            String algorithm = m.key.getAlgorithm();
            return keyType == null || keyType.equals(algorithm) || keyType.startsWith(algorithm + "_")
                    ? m.alias() : null;
        }

        private String aliasFor(String[] keyTypes) {
            if (keyTypes == null) {
                return null;
            }
            for (String type : keyTypes) {
                String alias = aliasFor(type);
                if (alias != null) {
                    return alias;
                }
            }
            return null;
        }

        private Material byAlias(String alias) {
            Material m = current.get();
            if (m.alias().equals(alias)) {
                return m;
            }
            Material before = previous;
            return before != null && before.alias().equals(alias) ? before : m;
        }

        @Override
        public String[] getClientAliases(String keyType, Principal[] issuers) {
            String alias = aliasFor(keyType);
            return alias == null ? null : new String[] {alias};
        }

        @Override
        public String chooseClientAlias(String[] keyTypes, Principal[] issuers, Socket socket) {
            return aliasFor(keyTypes);
        }

        @Override
        public String chooseEngineClientAlias(String[] keyTypes, Principal[] issuers, SSLEngine engine) {
            return aliasFor(keyTypes);
        }

        @Override
        public String[] getServerAliases(String keyType, Principal[] issuers) {
            return getClientAliases(keyType, issuers);
        }

        @Override
        public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
            return aliasFor(keyType);
        }

        @Override
        public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
            return aliasFor(keyType);
        }

        @Override
        public X509Certificate[] getCertificateChain(String alias) {
            return byAlias(alias).chain.clone();
        }

        @Override
        public PrivateKey getPrivateKey(String alias) {
            return byAlias(alias).key;
        }
    }

    /** The identity a certificate names in its URI SANs, or null. */
    public static PeerIdentity identityOf(X509Certificate certificate) {
        Collection<List<?>> names;
        try {
            names = certificate.getSubjectAlternativeNames();
        } catch (CertificateParsingException e) {
            return null;
        }
        if (names == null) {
            return null;
        }
        for (List<?> name : names) {
            if (name.size() >= 2 && Objects.equals(name.get(0), 6) && name.get(1) instanceof String uri) {
                PeerIdentity id = PeerIdentity.parse(uri);
                if (id != null) {
                    return id;
                }
            }
        }
        return null;
    }

    private static X509TrustManager pkix(List<X509Certificate> authorities) {
        try {
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            for (int i = 0; i < authorities.size(); i++) {
                store.setCertificateEntry("dgan-ca-" + i, authorities.get(i));
            }
            TrustManagerFactory f = TrustManagerFactory.getInstance("PKIX");
            f.init(store);
            for (var tm : f.getTrustManagers()) {
                if (tm instanceof X509TrustManager x) {
                    return x;
                }
            }
            throw new IllegalStateException("no X.509 trust manager");
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalArgumentException("--tls-ca: cannot use the CA certificate: " + e.getMessage(), e);
        }
    }

    private static byte[] read(Path file, String flag) {
        try {
            return Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException(flag + ": " + file + " does not exist");
        } catch (IOException e) {
            throw new IllegalArgumentException(flag + ": cannot read " + file + ": " + e.getMessage());
        }
    }

    private static List<X509Certificate> certificates(byte[] pem, String what) {
        try {
            Collection<? extends Certificate> all = CertificateFactory.getInstance("X.509")
                    .generateCertificates(new ByteArrayInputStream(pem));
            List<X509Certificate> list = all.stream().map(c -> (X509Certificate) c).toList();
            if (list.isEmpty()) {
                throw new IllegalArgumentException(what + ": no certificate in the file");
            }
            return list;
        } catch (CertificateException e) {
            throw new IllegalArgumentException(what + ": not a PEM certificate: " + e.getMessage());
        }
    }

    /**
     * PKIX validation against the job's CA, then the identity: on the server any other rank of the job, on the
     * client exactly the rank dialled. No host-name check (ranks move between addresses; the SAN is the identity).
     */
    static final class RankTrustManager extends X509ExtendedTrustManager {
        private final Supplier<X509TrustManager> pkix;
        private final String job;
        private final int size;
        private final int self;
        private final int expected;
        private final Consumer<String> refused;

        RankTrustManager(Supplier<X509TrustManager> pkix, String job, int size, int self, int expected,
                         Consumer<String> refused) {
            this.pkix = pkix;
            this.job = job;
            this.size = size;
            this.self = self;
            this.expected = expected;
            this.refused = refused;
        }

        private void checkIdentity(X509Certificate[] chain) throws CertificateException {
            PeerIdentity id = identityOf(chain[0]);
            String problem = null;
            if (id == null) {
                problem = "the certificate names no gossip identity";
            } else if (!id.job().equals(job)) {
                problem = "the certificate is for another job";
            } else if (expected >= 0 && id.rank() != expected) {
                problem = "the certificate is for rank " + id.rank() + ", not the rank dialled (" + expected + ")";
            } else if (id.rank() >= size || id.rank() == self) {
                problem = "the certificate is for rank " + id.rank() + ", not a peer of rank " + self;
            }
            if (problem != null) {
                refused.accept("certificate");
                throw new CertificateException(problem);
            }
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            try {
                pkix.get().checkClientTrusted(chain, authType);
            } catch (CertificateException e) {
                refused.accept("certificate");
                throw e;
            }
            checkIdentity(chain);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            pkix.get().checkServerTrusted(chain, authType);
            checkIdentity(chain);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
                throws CertificateException {
            checkClientTrusted(chain, authType);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
                throws CertificateException {
            checkServerTrusted(chain, authType);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                throws CertificateException {
            checkClientTrusted(chain, authType);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                throws CertificateException {
            checkServerTrusted(chain, authType);
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return pkix.get().getAcceptedIssuers();
        }
    }
}
