package io.dgan.transport.grpc;

import io.dgan.transport.MessageTag;
import io.dgan.transport.grpc.proto.ChunkHeader;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;

import static org.assertj.core.api.Assertions.assertThat;

/** The one-copy send path: chunks drained from the caller's buffer, detached (copied) if gRPC has not drained them. */
class DirectSendTest {

    private static byte[] littleEndian(FloatBuffer v, int from, int count) {
        ByteBuffer out = ByteBuffer.allocate(count * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < count; i++) {
            out.putFloat(v.get(from + i));
        }
        return out.array();
    }

    @Test
    void aChunkDrainedBeforeDetachingReadsTheCallersBufferThroughTheStagingArray() throws Exception {
        // More elements than one staging block, so the staging loop runs several times with a partial last block.
        int count = VectorChunk.STAGING_BYTES / 4 * 2 + 123;
        FloatBuffer src = GrpcTransportTest.randomVector(count + 50, 11);
        byte[] expected = littleEndian(src, 50, count);
        VectorChunk chunk = VectorChunk.fromSource(ChunkHeader.getDefaultInstance(), src, 50, count,
                new ChunkPool(count * 4, 4), true);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int trailer = chunk.writePayload(out);
        chunk.detachFromSource();
        assertThat(out.toByteArray()).isEqualTo(expected);
        // The CRC trailer, computed block by block on the way, is the CRC-32C of the little-endian bytes.
        assertThat(trailer).isEqualTo(crc32c(expected));
    }

    @Test
    void aChunkDetachedBeforeDrainingKeepsTheValuesOfSendTimeNotLaterOverwrites() throws Exception {
        int count = 1000;
        FloatBuffer src = GrpcTransportTest.randomVector(count, 12);
        byte[] expected = littleEndian(src, 0, count);
        VectorChunk chunk = VectorChunk.fromSource(ChunkHeader.getDefaultInstance(), src, 0, count,
                new ChunkPool(count * 4, 4), true);
        chunk.detachFromSource();          // send() returned before gRPC drained the chunk
        for (int i = 0; i < count; i++) {
            src.put(i, 42f);               // the caller reuses its buffer
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int trailer = chunk.writePayload(out);
        assertThat(out.toByteArray()).isEqualTo(expected);
        assertThat(trailer).as("trailer of the detached copy").isEqualTo(crc32c(expected));
    }

    @Test
    void withoutChecksumsNoTrailerIsComputed() throws Exception {
        FloatBuffer src = GrpcTransportTest.randomVector(300, 13);
        VectorChunk chunk = VectorChunk.fromSource(ChunkHeader.getDefaultInstance(), src, 0, 300,
                new ChunkPool(1200, 4), false);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertThat(chunk.writePayload(out)).isZero();
        assertThat(out.toByteArray()).isEqualTo(littleEndian(src, 0, 300));
    }

    private static int crc32c(byte[] bytes) {
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        crc.update(bytes);
        return (int) crc.getValue();
    }

    @Test
    void theCallerMayOverwriteItsBufferAsSoonAsSendReturns() {
        try (TransportPair pair = TransportPair.start(2, b -> b.chunkBytes(4096))) {
            int n = 50_000;
            FloatBuffer src = GrpcTransportTest.randomVector(n, 14);
            FloatBuffer copy = FloatBuffer.allocate(n).put(src.duplicate());
            copy.flip();
            for (int round = 0; round < 5; round++) {
                MessageTag tag = new MessageTag(0, round, 0, 0);
                pair.get(0).send(1, tag, src);
                for (int i = 0; i < n; i++) {
                    src.put(i, -1f);
                }
                FloatBuffer dst = FloatBuffer.allocate(n);
                pair.get(1).receive(0, tag, dst);
                GrpcTransportTest.assertBitIdentical(copy, dst);
                src.clear();
                src.put(copy.duplicate());
                src.clear();
            }
        }
    }
}
