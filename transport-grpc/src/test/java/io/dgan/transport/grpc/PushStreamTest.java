package io.dgan.transport.grpc;

import io.dgan.transport.MessageTag;
import io.dgan.transport.grpc.proto.Hello;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.nio.FloatBuffer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The sending side of the long-lived push stream against a peer that reads every chunk but never acknowledges a
 * vector (frozen after reading, or hostile): the stream is cancelled once its oldest vector waited the call timeout,
 * that is a neighbour failure (logged, never thrown), and the next vector goes out on a new stream.
 */
class PushStreamTest {
    @Test
    void aStreamWhoseVectorsAreNeverAcknowledgedIsCancelledAfterTheCallTimeoutAndReplaced() throws Exception {
        int[] ports = FreePorts.pick(2);
        GrpcTransportConfig peer = GrpcTransportConfig.builder("job", 1, 2).vectorLengths(64).layoutHash(7).build();
        AtomicInteger streams = new AtomicInteger();
        AtomicInteger chunks = new AtomicInteger();
        ChunkPool pool = new ChunkPool(1 << 16, 4);
        ServerServiceDefinition silent = ServerServiceDefinition.builder(GossipMethods.SERVICE)
                .addMethod(GossipMethods.hello(), ServerCalls.asyncUnaryCall(
                        (Hello theirs, StreamObserver<Hello> reply) -> {
                            reply.onNext(Handshake.hello(peer, theirs.getSenderRank()));
                            reply.onCompleted();
                        }))
                .addMethod(GossipMethods.push(pool), ServerCalls.asyncClientStreamingCall(reply -> sink(chunks)))
                .addMethod(GossipMethods.pushStream(pool), ServerCalls.asyncBidiStreamingCall(reply -> {
                    streams.incrementAndGet();
                    return sink(chunks);
                }))
                .build();
        Server server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", ports[1]))
                .addService(silent).build().start();
        List<String> log = new CopyOnWriteArrayList<>();
        RecordingListener seen = new RecordingListener();
        GrpcTransportConfig config = GrpcTransportConfig.builder("job", 0, 2).vectorLengths(64).layoutHash(7)
                .bindHost("127.0.0.1").port(ports[0]).callTimeout(Duration.ofMillis(600)).build();
        try (GrpcTransport sender = new GrpcTransport(config,
                PeerDirectory.list(List.of("127.0.0.1:" + ports[0], "127.0.0.1:" + ports[1]), 2), seen, log::add)) {
            sender.send(1, new MessageTag(0, 1, 0, 0), FloatBuffer.wrap(new float[64]));
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (log.stream().noneMatch(l -> l.contains("no acknowledgement")) && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertThat(log).anySatisfy(l -> assertThat(l).contains("push of").contains("to rank 1")
                    .contains("CANCELLED").contains("no acknowledgement from rank 1").contains("within 600 ms")
                    .contains("neighbour unreachable"));
            // A neighbour failure: the next send neither throws nor reuses the cancelled stream.
            sender.send(1, new MessageTag(0, 2, 0, 0), FloatBuffer.wrap(new float[64]));
            while ((streams.get() < 2 || chunks.get() < 2) && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertThat(streams.get()).isEqualTo(2);
            assertThat(chunks.get()).isGreaterThanOrEqualTo(2);
        } finally {
            server.shutdownNow();
        }
    }

    @Test
    void aVectorSentRightAfterForgetPeerGoesOutOnAFreshStreamAndArrives() {
        try (TransportPair pair = TransportPair.start(2, b -> b.vectorLengths(4096))) {
            float[] values = new float[4096];
            for (int round = 0; round < 30; round++) {
                java.util.Arrays.fill(values, round);
                // forgetPeer cancels the stream; gRPC reports the end later, on its own thread. The next send must
                // not find the cancelled call (it would fail this worker) but open a new one.
                pair.get(0).forgetPeer(1);
                MessageTag tag = new MessageTag(0, round, 0, 0);
                pair.get(0).send(1, tag, FloatBuffer.wrap(values));
                FloatBuffer got = FloatBuffer.allocate(4096);
                pair.get(1).receive(0, tag, got);
                assertThat(got.get(4095)).isEqualTo(round);
            }
        }
    }

    /** Reads and drops whatever is pushed, and never answers. */
    private static StreamObserver<VectorChunk> sink(AtomicInteger chunks) {
        return new StreamObserver<>() {
            @Override
            public void onNext(VectorChunk chunk) {
                chunks.incrementAndGet();
                chunk.release();
            }

            @Override
            public void onError(Throwable t) {
            }

            @Override
            public void onCompleted() {
            }
        };
    }
}
