package io.dgan.transport.grpc;

import io.dgan.transport.MessageTag;
import io.dgan.transport.TransportException;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.time.Duration;
import java.util.List;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class GrpcTransportTest {

    static FloatBuffer randomVector(int n, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        FloatBuffer v = FloatBuffer.allocate(n);
        for (int i = 0; i < n; i++) {
            v.put(i, (float) random.nextGaussian());
        }
        return v;
    }

    static void assertBitIdentical(FloatBuffer expected, FloatBuffer actual) {
        assertThat(actual.remaining()).isEqualTo(expected.remaining());
        for (int i = 0; i < expected.remaining(); i++) {
            int e = Float.floatToRawIntBits(expected.get(expected.position() + i));
            int a = Float.floatToRawIntBits(actual.get(actual.position() + i));
            if (e != a) {
                throw new AssertionError("element " + i + ": expected " + Float.intBitsToFloat(e) + " got "
                        + Float.intBitsToFloat(a));
            }
        }
    }

    @Test
    void nettysAllocatorCachesTheBulkBufferSizesPerThread() {
        try (TransportPair pair = TransportPair.start(2, b -> b.chunkBytes(1024))) {
            // The transport set the properties before Netty's allocator read them (else it logs a note).
            assertThat(NettyAllocation.ensureApplied()).isTrue();
            assertThat(io.grpc.netty.shaded.io.netty.buffer.PooledByteBufAllocator.defaultUseCacheForAllThreads())
                    .isTrue();
            assertThat(System.getProperty(NettyAllocation.PREFIX + "maxCachedBufferCapacity"))
                    .isEqualTo(Integer.toString(NettyAllocation.MAX_CACHED_BUFFER));
        }
    }

    @Test
    void megabyteFramesThatSpanSocketReadsArriveBitExactly() {
        // 1 MiB chunks in 1 MiB HTTP/2 frames (the defaults): frames span socket reads, which the composite
        // cumulator keeps as pieces; those are decoded (and checksummed) through the staging block.
        try (TransportPair pair = TransportPair.start(2, b -> b)) {
            int n = 2_500_000; // 10 MB: 10 chunks, the last one partial
            FloatBuffer a = randomVector(n, 21);
            FloatBuffer b = randomVector(n, 22);
            long stagedBefore = VectorChunk.STAGED_BYTES.get();
            for (int round = 0; round < 2; round++) {
                MessageTag tag = new MessageTag(0, round, 0, 0);
                pair.get(0).send(1, tag, a);
                pair.get(1).send(0, tag, b);
                FloatBuffer intoHeap = FloatBuffer.allocate(n);
                FloatBuffer intoDirect = java.nio.ByteBuffer.allocateDirect(n * 4)
                        .order(java.nio.ByteOrder.nativeOrder()).asFloatBuffer();
                pair.get(1).receive(0, tag, intoHeap);
                pair.get(0).receive(1, tag, intoDirect);
                assertBitIdentical(a, intoHeap);
                assertBitIdentical(b, intoDirect);
            }
            if (LargeFrameNegotiator.COMPOSITE_CUMULATOR) {
                assertThat(VectorChunk.STAGED_BYTES.get() - stagedBefore).as("bytes decoded from split frames")
                        .isPositive();
            }
        }
    }

    @Test
    void exchangesVectorsBitExactlyAcrossManyChunksIntoHeapAndDirectBuffers() {
        // 1 KiB chunks: a 10 007-float vector travels as 40 chunks, the last one partial.
        try (TransportPair pair = TransportPair.start(2, b -> b.chunkBytes(1024))) {
            int n = 10_007;
            FloatBuffer a = randomVector(n, 1);
            FloatBuffer b = randomVector(n, 2);
            MessageTag tag = new MessageTag(1, 7, 0, 0);
            // Read before sending: the receivers parse (and count) chunks as soon as they arrive.
            long retainedBefore = ChunkMarshaller.RETAINED_CHUNKS.get();
            pair.get(0).send(1, tag, a);
            pair.get(1).send(0, tag, b);

            FloatBuffer intoHeap = FloatBuffer.allocate(n);
            FloatBuffer intoDirect = ByteBuffer.allocateDirect(n * 4).order(ByteOrder.nativeOrder()).asFloatBuffer();
            pair.get(1).receive(0, tag, intoHeap);
            pair.get(0).receive(1, tag, intoDirect);
            assertBitIdentical(a, intoHeap);
            assertBitIdentical(b, intoDirect);
            // The chunks were decoded straight from gRPC's buffers (no copy into pooled arrays on receipt).
            assertThat(ChunkMarshaller.RETAINED_CHUNKS.get() - retainedBefore).isGreaterThan(0);
            assertThat(a.position()).isZero();
            assertThat(intoHeap.position()).isZero();
            assertThat(intoHeap.limit()).isEqualTo(n);
        }
    }

    @Test
    void sendsOnlyBetweenPositionAndLimitAndWritesOnlyThere() {
        try (TransportPair pair = TransportPair.start(2, b -> b)) {
            FloatBuffer src = randomVector(100, 3);
            src.position(10).limit(60);
            FloatBuffer dst = FloatBuffer.allocate(80);
            for (int i = 0; i < 80; i++) {
                dst.put(i, -1f);
            }
            dst.position(20).limit(70);
            MessageTag tag = new MessageTag(0, 1, 0, 0);
            pair.get(0).send(1, tag, src);
            pair.get(1).receive(0, tag, dst);
            assertThat(src.position()).isEqualTo(10);
            assertThat(dst.position()).isEqualTo(20);
            assertBitIdentical(src, dst);
            dst.clear();
            assertThat(dst.get(19)).isEqualTo(-1f);
            assertThat(dst.get(70)).isEqualTo(-1f);
        }
    }

    @Test
    void messagesAreMatchedByTagNotByArrivalOrder() {
        try (TransportPair pair = TransportPair.start(2, b -> b)) {
            MessageTag[] tags = {new MessageTag(1, 5, 0, 0), new MessageTag(1, 5, 1, 0), new MessageTag(1, 5, 0, 1),
                    new MessageTag(2, 5, 0, 0), new MessageTag(1, 6, 0, 0)};
            FloatBuffer[] sent = new FloatBuffer[tags.length];
            for (int i = 0; i < tags.length; i++) {
                sent[i] = randomVector(33, 100 + i);
                pair.get(0).send(1, tags[i], sent[i]);
            }
            for (int i = tags.length - 1; i >= 0; i--) {
                FloatBuffer got = FloatBuffer.allocate(33);
                pair.get(1).receive(0, tags[i], got);
                assertBitIdentical(sent[i], got);
            }
        }
    }

    @Test
    void tryReceiveNeverWaitsAndTakesAVectorOnlyOnceItHasArrived() throws InterruptedException {
        try (TransportPair pair = TransportPair.start(2, b -> b)) {
            MessageTag tag = new MessageTag(7, 150, Integer.MAX_VALUE, 1 << 20);
            FloatBuffer got = FloatBuffer.allocate(3);
            assertThat(pair.get(1).tryReceive(0, tag, got)).as("nothing sent yet").isFalse();
            assertThat(got.get(0)).isZero();
            FloatBuffer sent = randomVector(3, 9);
            pair.get(0).send(1, tag, sent);
            long deadline = System.nanoTime() + 30_000_000_000L;
            while (!pair.get(1).tryReceive(0, tag, got)) {
                assertThat(System.nanoTime()).as("the vector arrives").isLessThan(deadline);
                Thread.sleep(5);
            }
            assertBitIdentical(sent, got);
            assertThat(pair.get(1).tryReceive(0, tag, FloatBuffer.allocate(3))).as("taken once").isFalse();
        }
    }

    @Test
    void aDuplicatedTagIsRefusedAndNeverDeliveredTwice() {
        try (TransportPair pair = TransportPair.start(2, b -> b)) {
            MessageTag tag = new MessageTag(0, 3, 0, 0);
            FloatBuffer first = randomVector(8, 1);
            pair.get(0).send(1, tag, first);
            FloatBuffer got = FloatBuffer.allocate(8);
            pair.get(1).receive(0, tag, got);
            assertBitIdentical(first, got);

            pair.get(0).send(1, tag, randomVector(8, 2)); // a replay of the same tag
            FloatBuffer again = FloatBuffer.allocate(8);
            assertThatThrownBy(() -> pair.get(1).receive(0, tag, again))
                    .isInstanceOf(TransportException.class).hasMessageContaining("rank 0");
            assertThat(again.get(0)).isZero();
            // The sender learns that its replay was refused.
            assertThatThrownBy(() -> pair.get(0).send(1, new MessageTag(0, 4, 0, 0), randomVector(8, 3)))
                    .isInstanceOf(TransportException.class).hasMessageContaining("duplicate vector");
        }
    }

    @Test
    void aVectorOfTheWrongLengthFailsAndLeavesTheDestinationUntouched() {
        try (TransportPair pair = TransportPair.start(2, b -> b)) {
            MessageTag tag = new MessageTag(0, 1, 0, 0);
            pair.get(0).send(1, tag, randomVector(10, 1));
            FloatBuffer dst = FloatBuffer.allocate(12);
            assertThatThrownBy(() -> pair.get(1).receive(0, tag, dst))
                    .isInstanceOf(TransportException.class).hasMessageContaining("10 floats").hasMessageContaining("12");
            for (int i = 0; i < 12; i++) {
                assertThat(dst.get(i)).isZero();
            }
        }
    }

    @Test
    void bf16WireHalvesTheBytesAndRoundsToNearestEven() {
        try (TransportPair pair = TransportPair.start(2, b -> b.wire(WireFormat.BF16).chunkBytes(1024))) {
            int n = 5000;
            FloatBuffer src = randomVector(n, 9);
            src.put(0, 1e38f).put(1, -1e38f).put(2, -0f).put(3, 1e-40f);
            MessageTag tag = new MessageTag(0, 1, 0, 0);
            pair.get(0).send(1, tag, src);
            FloatBuffer dst = FloatBuffer.allocate(n);
            pair.get(1).receive(0, tag, dst);
            for (int i = 0; i < n; i++) {
                float expected = Bfloat16.toFloat(Bfloat16.fromFloat(src.get(i)));
                assertThat(Float.floatToIntBits(dst.get(i))).as("element %d", i)
                        .isEqualTo(Float.floatToIntBits(expected));
                if (Float.isFinite(src.get(i)) && Math.abs(src.get(i)) >= Float.MIN_NORMAL) {
                    assertThat(Math.abs(dst.get(i) - src.get(i)) / Math.abs(src.get(i))).isLessThanOrEqualTo(1f / 256);
                }
            }
            // Float.MAX_VALUE rounds up to bf16 infinity: the receiver refuses a vector that is not finite, and the
            // sender hears why on its next call to that peer.
            MessageTag next = new MessageTag(0, 2, 0, 0);
            src.put(7, Float.MAX_VALUE);
            pair.get(0).send(1, next, src);
            assertThatThrownBy(() -> pair.get(1).receive(0, next, FloatBuffer.allocate(n)))
                    .isInstanceOf(TransportException.class).hasMessageContaining("NaN or infinity");
            assertThatThrownBy(() -> pair.get(0).send(1, new MessageTag(0, 3, 0, 0), src))
                    .isInstanceOf(TransportException.class).hasMessageContaining("NaN or infinity");
        }
    }

    @Test
    void withABf16WireCollectivesStillTravelAsExactFloat32() {
        try (TransportPair pair = TransportPair.start(2, b -> b.wire(WireFormat.BF16).chunkBytes(1024))) {
            int n = 3000;
            FloatBuffer src = randomVector(n, 10);
            MessageTag collective = new MessageTag(0, 1, 0, io.dgan.transport.RingAllReduce.CHANNEL_BASE + 5);
            MessageTag gossip = new MessageTag(0, 1, 0, 1);
            pair.get(0).send(1, collective, src);
            pair.get(0).send(1, gossip, src);
            FloatBuffer exact = FloatBuffer.allocate(n);
            FloatBuffer rounded = FloatBuffer.allocate(n);
            pair.get(1).receive(0, collective, exact);
            pair.get(1).receive(0, gossip, rounded);
            assertBitIdentical(src, exact);
            int differ = 0;
            for (int i = 0; i < n; i++) {
                assertThat(rounded.get(i)).isEqualTo(Bfloat16.toFloat(Bfloat16.fromFloat(src.get(i))));
                differ += rounded.get(i) != src.get(i) ? 1 : 0;
            }
            assertThat(differ).as("gaussian floats rounded to bf16").isGreaterThan(n / 2);
        }
    }

    @Test
    void aMissingVectorTimesOutNamingThePeerAndTag() {
        try (TransportPair pair = TransportPair.start(2, b -> b.receiveTimeout(Duration.ofMillis(300)))) {
            pair.get(1).awaitPeers(List.of(0));
            assertThatThrownBy(() -> pair.get(1).receive(0, new MessageTag(0, 9, 0, 0), FloatBuffer.allocate(4)))
                    .isInstanceOf(TransportException.class)
                    .hasMessageContaining("timed out").hasMessageContaining("rank 0").hasMessageContaining("iteration=9");
        }
    }

    @Test
    void aHandshakeWithADifferentLayoutIsRefusedNamingTheField() {
        int[] ports = FreePorts.pick(2);
        List<String> addresses = List.of("127.0.0.1:" + ports[0], "127.0.0.1:" + ports[1]);
        try (GrpcTransport a = new GrpcTransport(GrpcTransportConfig.builder("job", 0, 2).bindHost("127.0.0.1")
                .port(ports[0]).layoutHash(1).vectorLengths(10, 20).build(), PeerDirectory.list(addresses, 2));
             GrpcTransport b = new GrpcTransport(GrpcTransportConfig.builder("job", 1, 2).bindHost("127.0.0.1")
                     .port(ports[1]).layoutHash(2).vectorLengths(10, 20).build(), PeerDirectory.list(addresses, 2))) {
            // The refusing side names the field but not its value; the refused side adds its own.
            assertThatThrownBy(() -> a.awaitPeers(List.of(1)))
                    .isInstanceOf(TransportException.class).hasMessageContaining("parameter layout differs")
                    .hasMessageContaining("this worker has 0x0000000000000001")
                    .hasMessageNotContaining("0x0000000000000002");
            assertThatThrownBy(() -> b.send(0, new MessageTag(0, 1, 0, 0), FloatBuffer.allocate(10)))
                    .isInstanceOf(TransportException.class).hasMessageContaining("parameter layout differs");
        }
    }

    @Test
    void handshakeComparesJobLengthsAndWireToo() {
        int[] ports = FreePorts.pick(2);
        List<String> addresses = List.of("127.0.0.1:" + ports[0], "127.0.0.1:" + ports[1]);
        try (GrpcTransport a = new GrpcTransport(GrpcTransportConfig.builder("job", 0, 2).bindHost("127.0.0.1")
                .port(ports[0]).vectorLengths(10, 20).build(), PeerDirectory.list(addresses, 2));
             GrpcTransport b = new GrpcTransport(GrpcTransportConfig.builder("job", 1, 2).bindHost("127.0.0.1")
                     .port(ports[1]).vectorLengths(10, 21).build(), PeerDirectory.list(addresses, 2))) {
            assertThatThrownBy(() -> a.awaitPeers(List.of(1)))
                    .isInstanceOf(TransportException.class).hasMessageContaining("vector lengths differ")
                    .hasMessageContaining("this worker has [10, 20]").hasMessageNotContaining("[10, 21]");
        }
        int[] ports2 = FreePorts.pick(2);
        List<String> addresses2 = List.of("127.0.0.1:" + ports2[0], "127.0.0.1:" + ports2[1]);
        try (GrpcTransport a = new GrpcTransport(GrpcTransportConfig.builder("job-a", 0, 2).bindHost("127.0.0.1")
                .port(ports2[0]).build(), PeerDirectory.list(addresses2, 2));
             GrpcTransport b = new GrpcTransport(GrpcTransportConfig.builder("job-b", 1, 2).bindHost("127.0.0.1")
                     .port(ports2[1]).wire(WireFormat.BF16).build(), PeerDirectory.list(addresses2, 2))) {
            assertThatThrownBy(() -> a.awaitPeers(List.of(1)))
                    .isInstanceOf(TransportException.class).hasMessageContaining("job differs")
                    .hasMessageContaining("this worker has 'job-a'").hasMessageNotContaining("job-b");
        }
    }
}
