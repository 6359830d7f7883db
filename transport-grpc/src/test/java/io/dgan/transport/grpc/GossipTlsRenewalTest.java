package io.dgan.transport.grpc;

import io.dgan.testing.Conditions;
import io.dgan.transport.MessageTag;
import io.dgan.transport.grpc.proto.Hello;
import io.dgan.transport.grpc.tls.GossipCertificates;
import io.dgan.transport.grpc.tls.GossipTls;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Certificates renewed while the workers run: the files change as Kubernetes changes a mounted Secret (a new
 * directory, then one atomic switch of the {@code ..data} link), and the next handshakes use them without a restart.
 */
class GossipTlsRenewalTest {
    private static final String JOB = "test-job";

    /** A directory laid out as the kubelet lays out a Secret volume: {@code name -> ..data/name}, {@code ..data ->
     * ..<version>}; {@link #write} replaces the whole set at once. */
    private static final class SecretVolume {
        private final Path dir;
        private int version;

        SecretVolume(Path dir) {
            this.dir = dir;
        }

        void write(Map<String, String> files) throws Exception {
            Path next = dir.resolve("..v" + (++version));
            Files.createDirectories(next);
            for (var f : files.entrySet()) {
                Files.writeString(next.resolve(f.getKey()), f.getValue());
            }
            Path tmp = dir.resolve("..data_tmp");
            Files.deleteIfExists(tmp);
            Files.createSymbolicLink(tmp, next.getFileName());
            Files.move(tmp, dir.resolve("..data"), StandardCopyOption.ATOMIC_MOVE,
                    StandardCopyOption.REPLACE_EXISTING);
            for (String name : files.keySet()) {
                Path link = dir.resolve(name);
                if (!Files.exists(link, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                    Files.createSymbolicLink(link, Path.of("..data", name));
                }
            }
        }

        void write(GossipCertificates.Issued issued, String caPem) throws Exception {
            write(Map.of(GossipCertificates.CA_FILE, caPem, GossipCertificates.CERT_FILE, issued.certificatePem(),
                    GossipCertificates.KEY_FILE, issued.privateKeyPem()));
        }
    }

    /** What a transport tells its listener about certificates. */
    private static final class CertificateEvents implements TransportListener {
        final List<Instant> expiries = new CopyOnWriteArrayList<>();
        final List<Boolean> reloads = new CopyOnWriteArrayList<>();

        @Override
        public void certificate(Instant notAfter) {
            expiries.add(notAfter);
        }

        @Override
        public void certificateReload(boolean renewed) {
            reloads.add(renewed);
        }
    }

    private static X509Certificate parse(String pem) throws Exception {
        return (X509Certificate) CertificateFactory.getInstance("X.509")
                .generateCertificate(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)));
    }

    /** A client that trusts only {@code ca} and presents {@code cert}: its handshake with a rank succeeds only if that
     * rank presents a certificate of {@code ca} and trusts the issuer of {@code cert}. */
    private static Status helloFrom(GossipCertificates.Issued cert, GossipCertificates ca, int port, Hello hello)
            throws Exception {
        SslContextBuilder b = GrpcSslContexts.forClient().trustManager(ca.certificate())
                .keyManager(new ByteArrayInputStream(cert.certificatePem().getBytes(StandardCharsets.US_ASCII)),
                        new ByteArrayInputStream(cert.privateKeyPem().getBytes(StandardCharsets.US_ASCII)));
        ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", port).overrideAuthority("localhost")
                .sslContext(b.build()).build();
        try {
            return GossipTlsTest.hello(channel, hello);
        } finally {
            channel.shutdownNow();
        }
    }

    private static float[] values(int seed) {
        float[] v = new float[64];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) Math.sin(seed + i);
        }
        return v;
    }

    private static void exchange(TransportPair pair, int iteration) {
        float[] sent = values(iteration);
        MessageTag tag = new MessageTag(0, iteration, 0, 0);
        pair.get(0).send(1, tag, FloatBuffer.wrap(sent));
        FloatBuffer got = FloatBuffer.allocate(64);
        pair.get(1).receive(0, tag, got);
        assertThat(got.array()).containsExactly(sent);
    }

    @Test
    void aRunningWorkerMovesToARenewedCertificateAndANewCaWithoutARestart(@TempDir Path tmp) throws Exception {
        GossipCertificates oldCa = GossipCertificates.newAuthority(JOB);
        GossipCertificates newCa = GossipCertificates.newAuthority(JOB);
        SecretVolume[] volumes = {new SecretVolume(tmp.resolve("rank0")), new SecretVolume(tmp.resolve("rank1"))};
        for (int r = 0; r < 2; r++) {
            volumes[r].write(oldCa.issue(r, List.of("localhost")), oldCa.certificatePem());
        }
        CertificateEvents events = new CertificateEvents();
        List<String> log = new CopyOnWriteArrayList<>();
        try (TransportPair pair = TransportPair.start(2, (r, b) -> b.vectorLengths(64)
                        .tls(GossipTls.fromDirectory(tmp.resolve("rank" + r)))
                        .tlsReloadInterval(Duration.ofMillis(100)),
                r -> r == 1 ? events : TransportListener.NONE, r -> r == 1 ? log::add : msg -> { })) {
            exchange(pair, 1);
            assertThat(log).anyMatch(l -> l.contains("OpenSSL TLS"));
            assertThat(events.expiries).hasSize(1);
            Hello hello = Handshake.hello(pair.get(0).config(), 1);
            GossipCertificates.Issued probe = newCa.issue(0, List.of("localhost"));
            int port = pair.get(1).port();
            assertThat(helloFrom(probe, newCa, port, hello).isOk()).as("before the renewal").isFalse();

            // A torn set (the new certificate beside the old key) is refused once and changes nothing.
            GossipCertificates.Issued renewed = newCa.issue(1, List.of("localhost"));
            String bundle = oldCa.certificatePem() + newCa.certificatePem();
            String oldKey = Files.readString(tmp.resolve("rank1").resolve(GossipCertificates.KEY_FILE));
            volumes[1].write(Map.of(GossipCertificates.CA_FILE, bundle,
                    GossipCertificates.CERT_FILE, renewed.certificatePem(), GossipCertificates.KEY_FILE, oldKey));
            Conditions.await(Duration.ofSeconds(10), "the torn set refused", () -> events.reloads.contains(false));
            Thread.sleep(500); // five more checks of the same files
            assertThat(events.reloads).containsExactly(false);
            assertThat(log.stream().filter(l -> l.contains("renewed credentials not used"))).singleElement()
                    .asString().contains("--tls-key");
            assertThat(helloFrom(probe, newCa, port, hello).isOk()).as("after the torn set").isFalse();
            exchange(pair, 2);

            // The complete set: the next handshake presents the new certificate and trusts the new CA.
            volumes[1].write(renewed, bundle);
            Conditions.await(Duration.ofSeconds(10), "the renewal picked up", () -> events.reloads.contains(true));
            Status after = helloFrom(probe, newCa, port, hello);
            assertThat(after.isOk()).as(after.toString()).isTrue();
            assertThat(events.expiries).last().isEqualTo(parse(renewed.certificatePem()).getNotAfter().toInstant());
            String serial = parse(renewed.certificatePem()).getSerialNumber().toString(16);
            assertThat(log).anyMatch(l -> l.contains("certificate reloaded") && l.contains(serial));
            // the open connection between the ranks goes on
            exchange(pair, 3);
        }
    }

    @Test
    void renewedFilesThatDoNotFitAreRefusedNamingTheFileAndTheCurrentCredentialsStay(@TempDir Path tmp)
            throws Exception {
        GossipCertificates ca = GossipCertificates.newAuthority(JOB);
        SecretVolume volume = new SecretVolume(tmp);
        GossipCertificates.Issued first = ca.issue(1, List.of());
        volume.write(first, ca.certificatePem());
        GossipTls tls = GossipTls.fromDirectory(tmp);
        assertThat(tls.reloadable()).isTrue();
        assertThat(tls.reload()).as("unchanged files").isNull();
        X509Certificate inUse = tls.certificate();

        GossipCertificates.Issued otherRank = ca.issue(2, List.of());
        volume.write(otherRank, ca.certificatePem());
        assertThatThrownBy(tls::reload).hasMessageStartingWith("--tls-cert:").hasMessageContaining("rank/2")
                .hasMessageContaining("rank/1");
        volume.write(Map.of(GossipCertificates.CA_FILE, ca.certificatePem(),
                GossipCertificates.CERT_FILE, ca.issue(1, List.of()).certificatePem(),
                GossipCertificates.KEY_FILE, first.privateKeyPem()));
        assertThatThrownBy(tls::reload).hasMessageStartingWith("--tls-key:")
                .hasMessageContaining("does not belong to the certificate");
        volume.write(Map.of(GossipCertificates.CA_FILE, ca.certificatePem(),
                GossipCertificates.CERT_FILE, first.certificatePem(), GossipCertificates.KEY_FILE, "not a key"));
        assertThatThrownBy(tls::reload).hasMessageStartingWith("--tls-key:");
        volume.write(Map.of(GossipCertificates.CA_FILE, "-----BEGIN CERTIFICATE-----\nAAAA\n",
                GossipCertificates.CERT_FILE, first.certificatePem(), GossipCertificates.KEY_FILE,
                first.privateKeyPem()));
        assertThatThrownBy(tls::reload).hasMessageStartingWith("--tls-ca:");
        assertThat(tls.certificate()).isEqualTo(inUse);

        GossipCertificates.Issued renewed = ca.issue(1, List.of());
        volume.write(renewed, ca.certificatePem());
        assertThat(tls.reload()).startsWith("certificate reloaded");
        assertThat(tls.certificate()).isEqualTo(parse(renewed.certificatePem())).isNotEqualTo(inUse);
        assertThat(tls.reload()).isNull();
    }

    @Test
    void credentialsGivenAsPemAreNotReloaded() {
        GossipCertificates ca = GossipCertificates.newAuthority(JOB);
        GossipCertificates.Issued issued = ca.issue(0, List.of());
        GossipTls tls = GossipTls.fromPem(issued.certificatePem(), issued.privateKeyPem(), issued.caPem());
        assertThat(tls.reloadable()).isFalse();
        assertThat(tls.reload()).isNull();
    }
}
