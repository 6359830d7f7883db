package io.dgan.transport.grpc;

import io.dgan.transport.MessageTag;
import org.junit.jupiter.api.Test;

import java.nio.FloatBuffer;

import static org.assertj.core.api.Assertions.assertThat;

/** How a vector is cut into chunks: the configured size, but at least eight (none under 64 KiB) when possible. */
class ChunkSplitTest {

    private static GrpcTransportConfig config(int chunkBytes) {
        return GrpcTransportConfig.builder("job", 0, 2).chunkBytes(chunkBytes).build();
    }

    @Test
    void aLargeVectorUsesTheConfiguredChunkSize() {
        GrpcTransportConfig c = config(1 << 20);
        assertThat(c.chunkElements(WireFormat.FLOAT32, 10_000_000)).isEqualTo(262_144);
        // Exactly eight full chunks: still the configured size.
        assertThat(c.chunkElements(WireFormat.FLOAT32, 8 * 262_144)).isEqualTo(262_144);
        assertThat(c.chunkElements(WireFormat.BF16, 8 * 524_288)).isEqualTo(524_288);
    }

    @Test
    void aSmallerVectorIsCutIntoEightChunks() {
        GrpcTransportConfig c = config(1 << 20);
        // 1 MiB of float32: eight 128 KiB chunks instead of one.
        assertThat(c.chunkElements(WireFormat.FLOAT32, 262_144)).isEqualTo(32_768);
        // A length that does not divide by eight: the chunks round up, so there are never more than eight.
        int length = 262_144 + 5;
        int chunk = c.chunkElements(WireFormat.FLOAT32, length);
        assertThat(chunk).isEqualTo(32_769);
        assertThat((length + chunk - 1) / chunk).isEqualTo(8);
        // Just under eight full chunks: eight slightly smaller ones.
        assertThat(c.chunkElements(WireFormat.FLOAT32, 8 * 262_144 - 1)).isEqualTo(262_144);
        assertThat(c.chunkElements(WireFormat.FLOAT32, 8 * 262_144 - 8)).isEqualTo(262_143);
        // bf16 counts its 2-byte elements.
        assertThat(c.chunkElements(WireFormat.BF16, 524_288)).isEqualTo(65_536);
    }

    @Test
    void noChunkIsCutBelow64KiBAndASmallConfiguredSizeStays() {
        GrpcTransportConfig c = config(1 << 20);
        assertThat(c.chunkElements(WireFormat.FLOAT32, 100_000)).isEqualTo(16_384);   // 64 KiB, 7 chunks
        assertThat(c.chunkElements(WireFormat.FLOAT32, 10)).isEqualTo(16_384);        // one chunk
        assertThat(c.chunkElements(WireFormat.BF16, 10)).isEqualTo(32_768);
        assertThat(c.chunkElements(WireFormat.FLOAT32, 0)).isEqualTo(16_384);
        // A configured chunk smaller than 64 KiB is never exceeded.
        GrpcTransportConfig small = config(4096);
        assertThat(small.chunkElements(WireFormat.FLOAT32, 262_144)).isEqualTo(1024);
        assertThat(small.chunkElements(WireFormat.FLOAT32, 3)).isEqualTo(1024);
        // The largest vector length: no overflow.
        assertThat(c.chunkElements(WireFormat.FLOAT32, Integer.MAX_VALUE)).isEqualTo(262_144);
    }

    @Test
    void vectorsCutAtEveryBoundaryArriveBitExactly() {
        try (TransportPair pair = TransportPair.start(2, b -> b)) {
            int[] lengths = {1, 16_383, 16_384, 16_385, 131_071, 131_073, 262_144, 262_149, 2_097_151, 2_097_153};
            int iteration = 0;
            for (int n : lengths) {
                FloatBuffer v = GrpcTransportTest.randomVector(n, n);
                MessageTag tag = new MessageTag(0, iteration++, 0, 0);
                pair.get(0).send(1, tag, v);
                FloatBuffer got = FloatBuffer.allocate(n);
                pair.get(1).receive(0, tag, got);
                GrpcTransportTest.assertBitIdentical(v, got);
            }
        }
    }
}
