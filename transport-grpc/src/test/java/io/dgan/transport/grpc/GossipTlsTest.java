package io.dgan.transport.grpc;

import io.dgan.transport.MessageTag;
import io.dgan.transport.TransportException;
import io.dgan.transport.grpc.proto.Hello;
import io.dgan.transport.grpc.tls.GossipCertificates;
import io.dgan.transport.grpc.tls.GossipTls;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.grpc.stub.ClientCalls;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Mutual TLS on the gossip plane, over real sockets: certificates of one job's CA, the identity in the URI SAN, and
 * what a client without the right certificate gets (refused, counted, nothing delivered).
 */
class GossipTlsTest {
    private static final GossipCertificates CA = GossipCertificates.newAuthority("test-job");
    private TransportPair pair;
    private RecordingListener seen;

    private static GossipTls credentials(GossipCertificates ca, int rank) {
        GossipCertificates.Issued issued = ca.issue(rank, List.of("localhost"));
        return GossipTls.fromPem(issued.certificatePem(), issued.privateKeyPem(), issued.caPem());
    }

    @BeforeEach
    void start() {
        seen = new RecordingListener();
        pair = TransportPair.start(2, (r, b) -> b.tls(credentials(CA, r)).vectorLengths(64)
                        .receiveTimeout(Duration.ofSeconds(3)),
                r -> r == 1 ? seen : TransportListener.NONE, r -> r == 1 ? seen.log::add : msg -> { });
    }

    @AfterEach
    void stop() {
        pair.close();
    }

    /** A client of rank 1's port with the given certificate (or none), trusting any server. */
    private ManagedChannel client(GossipCertificates.Issued cert) throws Exception {
        SslContextBuilder b = GrpcSslContexts.forClient().trustManager(InsecureTrustManagerFactory.INSTANCE);
        if (cert != null) {
            b.keyManager(new ByteArrayInputStream(cert.certificatePem().getBytes(StandardCharsets.US_ASCII)),
                    new ByteArrayInputStream(cert.privateKeyPem().getBytes(StandardCharsets.US_ASCII)));
        }
        return NettyChannelBuilder.forAddress("127.0.0.1", pair.get(1).port()).sslContext(b.build()).build();
    }

    static Status hello(ManagedChannel channel, Hello hello) {
        try {
            ClientCalls.blockingUnaryCall(channel, GossipMethods.hello(),
                    CallOptions.DEFAULT.withDeadlineAfter(5, TimeUnit.SECONDS), hello);
            return Status.OK;
        } catch (StatusRuntimeException e) {
            return e.getStatus();
        }
    }

    @Test
    void ranksWithCertificatesOfTheJobsCaExchangeVectorsBitForBit() {
        float[] values = new float[64];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) Math.sin(i);
        }
        MessageTag tag = new MessageTag(0, 1, 0, 0);
        pair.get(0).send(1, tag, FloatBuffer.wrap(values));
        FloatBuffer got = FloatBuffer.allocate(64);
        pair.get(1).receive(0, tag, got);
        assertThat(got.array()).containsExactly(values);
        assertThat(pair.get(0).config().tls()).isTrue();
        assertThat(seen.refusals).isEmpty();
    }

    @Test
    void aClientWithoutACertificateReachesNoMethodAndIsCounted() throws Exception {
        ManagedChannel anonymous = client(null);
        try {
            Status status = hello(anonymous, Handshake.hello(pair.get(0).config(), 1));
            assertThat(status.getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
            assertThat(status.getDescription()).doesNotContain("test-job");
            assertThat(seen.count("-1:unauthenticated")).isEqualTo(1);
        } finally {
            anonymous.shutdownNow();
        }
    }

    @Test
    void certificatesOfAnotherCaAnotherJobOrNoRankOfTheJobFailTheTlsHandshake() throws Exception {
        GossipCertificates foreign = GossipCertificates.newAuthority("test-job");
        GossipCertificates otherJob = GossipCertificates.newAuthority("other-job");
        // same CA key material cannot be had by an outsider; a CA-signed certificate of another job or of a rank
        // the job does not have is refused too
        for (GossipCertificates.Issued cert : List.of(foreign.issue(0, List.of()), otherJob.issue(0, List.of()),
                CA.issue(7, List.of()), CA.issue(1, List.of()))) {
            ManagedChannel c = client(cert);
            try {
                Status status = hello(c, Handshake.hello(pair.get(0).config(), 1));
                // UNAVAILABLE: the TLS handshake failed; UNAUTHENTICATED: the client found no certificate of a CA
                // the server asked for and sent none, so no method answered it
                assertThat(status.getCode()).as(cert.identity().toString())
                        .isIn(Status.Code.UNAVAILABLE, Status.Code.UNAUTHENTICATED);
            } finally {
                c.shutdownNow();
            }
        }
        assertThat(seen.count("-1:certificate") + seen.count("-1:unauthenticated")).isGreaterThanOrEqualTo(4);
        assertThat(seen.count("-1:certificate")).isGreaterThanOrEqualTo(3);
    }

    @Test
    void aPeerMayOnlySpeakAsTheRankItsCertificateNames() throws Exception {
        // A certificate of rank 0 ... whose hello claims rank 2 of a 3-rank view: refused as a rank mismatch.
        ManagedChannel c = client(CA.issue(0, List.of()));
        try {
            Hello claimsOther = Handshake.hello(pair.get(0).config(), 1).toBuilder().setSenderRank(1).build();
            Status status = hello(c, claimsOther);
            assertThat(status.getCode()).isIn(Status.Code.FAILED_PRECONDITION, Status.Code.PERMISSION_DENIED);
            Status honest = hello(c, Handshake.hello(pair.get(0).config(), 1));
            assertThat(honest.isOk()).as(honest.toString()).isTrue();
        } finally {
            c.shutdownNow();
        }
        assertThat(seen.refusals).isNotEmpty().allSatisfy(r -> assertThat(r).startsWith("0:"));
    }

    @Test
    void aWorkerDiallingARankMustReachThatRank() {
        // Rank 0's directory points "rank 1" at rank 0's own port: the server proves rank 0, not 1, and the
        // client refuses it.
        int[] ports = FreePorts.pick(1);
        GrpcTransportConfig config = GrpcTransportConfig.builder("test-job", 0, 2).bindHost("127.0.0.1")
                .port(ports[0]).tls(credentials(CA, 0)).connectTimeout(Duration.ofSeconds(2)).build();
        String self = "127.0.0.1:" + ports[0];
        try (GrpcTransport confused = new GrpcTransport(config, PeerDirectory.list(List.of(self, self), 2),
                TransportListener.NONE, msg -> { })) {
            assertThatThrownBy(() -> confused.awaitPeers(List.of(1))).isInstanceOf(TransportException.class)
                    .hasMessageContaining("rank 1");
        }
    }

    @Test
    void aCertificateOfAnotherRankOrJobIsRefusedAtStartNamingTheFlag(@org.junit.jupiter.api.io.TempDir Path dir) {
        CA.issue(1, List.of()).writeTo(dir);
        GossipTls rank1 = GossipTls.fromDirectory(dir);
        assertThat(rank1.identity().uri()).isEqualTo("dgan://test-job/rank/1");
        assertThatThrownBy(() -> GrpcTransportConfig.builder("test-job", 0, 2).tls(rank1).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("--tls-cert: ")
                .hasMessageContaining("dgan://test-job/rank/1").hasMessageContaining("dgan://test-job/rank/0");
        assertThatThrownBy(() -> GossipTls.fromDirectory(dir.resolve("missing")))
                .hasMessage("--tls-dir: " + dir.resolve("missing") + " is not a directory");
        assertThatThrownBy(() -> GossipTls.fromFiles(dir.resolve("tls.crt"), dir.resolve("nope.key"),
                dir.resolve("ca.crt"))).hasMessage("--tls-key: " + dir.resolve("nope.key") + " does not exist");
    }
}
