package io.dgan.transport.grpc.tls;

import io.dgan.transport.PeerIdentity;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.netty.handler.ssl.ClientAuth;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import javax.net.ssl.X509TrustManager;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * A worker's credentials for mutual TLS on the gossip plane: its certificate and key, and the job's CA, as PEM (the
 * files of a Kubernetes TLS Secret: {@code tls.crt}, {@code tls.key}, {@code ca.crt}). Builds the server context
 * (every connecting peer must present a certificate of this CA naming this job and one of its ranks) and one client
 * context per peer (the server must prove it is exactly the rank this worker dialled). Host names are not checked:
 * the identity is the URI SAN {@code dgan://<job>/rank/<r>} ({@link PeerIdentity}), whatever address a rank has.
 */
public final class GossipTls {
    private final byte[] certificatePem;
    private final byte[] keyPem;
    private final List<X509Certificate> authorities;
    private final PeerIdentity identity;
    private final String source;

    private GossipTls(byte[] certificatePem, byte[] keyPem, byte[] caPem, String source) {
        this.source = source;
        this.certificatePem = certificatePem;
        this.keyPem = keyPem;
        this.authorities = certificates(caPem, "CA certificate (" + source + ")");
        List<X509Certificate> own = certificates(certificatePem, "certificate (" + source + ")");
        this.identity = identityOf(own.get(0));
        if (identity == null) {
            throw new IllegalArgumentException("certificate (" + source + ") names no gossip identity: expected a "
                    + "URI SAN dgan://<job>/rank/<rank>");
        }
    }

    /** Reads the three PEM files; a missing or unreadable file is named in the exception. */
    public static GossipTls fromFiles(Path certificate, Path key, Path ca) {
        return new GossipTls(read(certificate, "--tls-cert"), read(key, "--tls-key"), read(ca, "--tls-ca"),
                certificate.toString());
    }

    /** Reads {@code ca.crt}, {@code tls.crt}, {@code tls.key} from a directory (a mounted TLS Secret). */
    public static GossipTls fromDirectory(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException("--tls-dir: " + dir + " is not a directory");
        }
        return fromFiles(dir.resolve(GossipCertificates.CERT_FILE), dir.resolve(GossipCertificates.KEY_FILE),
                dir.resolve(GossipCertificates.CA_FILE));
    }

    public static GossipTls fromPem(String certificatePem, String keyPem, String caPem) {
        return new GossipTls(certificatePem.getBytes(StandardCharsets.US_ASCII),
                keyPem.getBytes(StandardCharsets.US_ASCII), caPem.getBytes(StandardCharsets.US_ASCII), "PEM");
    }

    /** Who this worker's certificate says it is. */
    public PeerIdentity identity() {
        return identity;
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
            return GrpcSslContexts.configure(SslContextBuilder.forServer(
                            new ByteArrayInputStream(certificatePem), new ByteArrayInputStream(keyPem)))
                    .trustManager(new RankTrustManager(pkix(), identity.job(), size, identity.rank(), -1, refused))
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
            return GrpcSslContexts.configure(SslContextBuilder.forClient()
                            .keyManager(new ByteArrayInputStream(certificatePem), new ByteArrayInputStream(keyPem)))
                    .trustManager(new RankTrustManager(pkix(), identity.job(), size, identity.rank(), peer, m -> { }))
                    .build();
        } catch (SSLException | IllegalArgumentException e) {
            throw new IllegalArgumentException("--tls-key: cannot use the key and certificate (" + source + "): "
                    + e.getMessage(), e);
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

    private X509TrustManager pkix() {
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
        private final X509TrustManager pkix;
        private final String job;
        private final int size;
        private final int self;
        private final int expected;
        private final Consumer<String> refused;

        RankTrustManager(X509TrustManager pkix, String job, int size, int self, int expected,
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
                pkix.checkClientTrusted(chain, authType);
            } catch (CertificateException e) {
                refused.accept("certificate");
                throw e;
            }
            checkIdentity(chain);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            pkix.checkServerTrusted(chain, authType);
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
            return pkix.getAcceptedIssuers();
        }
    }
}
