package io.dgan.transport.grpc;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.google.protobuf.InvalidProtocolBufferException;
import io.dgan.transport.grpc.proto.ChunkHeader;
import io.dgan.transport.grpc.proto.Hello;
import io.dgan.transport.grpc.proto.Tag;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Fuzz targets for what a peer controls: the chunk decoder (bytes of a Push message) and the handshake (bytes of a
 * Hello). Neither may throw on any input: a chunk is either readable (header, payload, checksums and finiteness
 * known) or carries the status to refuse it with; a hello either matches or names the field that differs. The
 * {@code @FuzzTest}s replay their seed inputs in the default run and are fuzzed by Jazzer under {@code -Pfuzz}; the
 * plain tests feed each target a bounded number (3,000) of seeded mutations of valid messages on every run.
 */
class GossipFuzzTest {
    private static final GrpcTransportConfig CONFIG = GrpcTransportConfig.builder("fuzz-job", 1, 4)
            .layoutHash(0x1234).vectorLengths(256, 64).chunkBytes(1024).build();
    private static final ChunkPool POOL = new ChunkPool(1024, 4);

    @FuzzTest(maxDuration = "2m")
    void chunkDecoder(byte[] message) throws IOException {
        VectorChunk chunk = new ChunkMarshaller(POOL).parse(new ByteArrayInputStream(message));
        try {
            if (chunk.unreadable != null) {
                assertThat(chunk.unreadable.getCode()).isNotNull();
                return;
            }
            assertThat(chunk.dataLength).isBetween(0, 1024);
            chunk.checksumProblem(true);
            WireFormat wire = WireFormat.fromProto(chunk.header.getWire());
            long elements = chunk.header.getElements();
            if (wire != null && chunk.checksumProblem(true) == null && elements >= 0
                    && chunk.dataLength == elements * wire.bytesPerElement()) {
                FloatBuffer dst = FloatBuffer.allocate((int) elements);
                chunk.decodeInto(wire, dst, 0);
                if (chunk.finite) {
                    for (int i = 0; i < elements; i++) {
                        assertThat(Float.isFinite(dst.get(i))).isTrue();
                    }
                }
            }
        } finally {
            chunk.release();
        }
    }

    @FuzzTest(maxDuration = "2m")
    void handshake(byte[] bytes) {
        Hello theirs;
        try {
            theirs = Hello.parseFrom(bytes);
        } catch (InvalidProtocolBufferException e) {
            return; // gRPC refuses it before the service sees it
        }
        Hello mine = Handshake.hello(CONFIG, theirs.getSenderRank());
        String field = Handshake.differingField(mine, theirs);
        String sentence = Handshake.mismatch(mine, theirs);
        assertThat(field == null).isEqualTo(sentence == null);
        if (field != null) {
            // what a refused peer is told names the field, never this worker's values
            assertThat(field).doesNotContain("fuzz-job").doesNotContain("1234");
            assertThat(Handshake.ownValue(theirs, field + " differs")).isNotNull();
        }
    }

    /** Valid messages to mutate: a hello and float32 / bf16 chunks with their CRC. */
    private static List<byte[]> seeds() throws IOException {
        byte[] data = new byte[64];
        for (int i = 0; i < 16; i++) {
            int bits = Float.floatToIntBits(i * 0.5f);
            data[4 * i] = (byte) bits;
            data[4 * i + 1] = (byte) (bits >>> 8);
            data[4 * i + 2] = (byte) (bits >>> 16);
            data[4 * i + 3] = (byte) (bits >>> 24);
        }
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        crc.update(data);
        ChunkHeader header = ChunkHeader.newBuilder().setProtocolVersion(3).setJob("fuzz-job").setLayoutHash(0x1234)
                .setSenderRank(0).setTag(Tag.newBuilder().setIteration(3)).setVectorLength(16).setOffset(0)
                .setElements(16).setWire(io.dgan.transport.grpc.proto.WireFormat.FLOAT32_LE)
                .setCrc32C((int) crc.getValue()).build();
        byte[] f32 = new ChunkMarshaller(POOL).stream(new VectorChunk(header, data.clone(), 64,
                new ChunkPool(64, 0))).readAllBytes();
        byte[] bf16 = new ChunkMarshaller(POOL).stream(new VectorChunk(header.toBuilder().setElements(32)
                .setVectorLength(32).setWire(io.dgan.transport.grpc.proto.WireFormat.BFLOAT16_LE).build(),
                data.clone(), 64, new ChunkPool(64, 0))).readAllBytes();
        return List.of(f32, bf16, Handshake.hello(CONFIG, 2).toByteArray());
    }

    /** Flips, inserts, deletes and overwrites bytes, and truncates: a seeded, bounded stand-in for the fuzzer. */
    static byte[] mutate(byte[] seed, Random random) {
        byte[] b = seed.clone();
        int edits = 1 + random.nextInt(4);
        for (int e = 0; e < edits && b.length > 0; e++) {
            int at = random.nextInt(b.length);
            switch (random.nextInt(5)) {
                case 0 -> b[at] ^= (byte) (1 << random.nextInt(8));
                case 1 -> b[at] = (byte) random.nextInt(256);
                case 2 -> b = java.util.Arrays.copyOf(b, at);
                case 3 -> {
                    byte[] grown = new byte[b.length + 1 + random.nextInt(8)];
                    System.arraycopy(b, 0, grown, 0, at);
                    random.nextBytes(java.util.Arrays.copyOfRange(grown, at, at + grown.length - b.length));
                    System.arraycopy(b, at, grown, at + grown.length - b.length, b.length - at);
                    b = grown;
                }
                default -> b[at] = (byte) (random.nextBoolean() ? 0x7f : 0xff);
            }
        }
        return b;
    }

    @Test
    void boundedMutationsOfValidMessagesNeverBreakTheDecoderOrTheHandshake() throws IOException {
        Random random = new Random(14);
        List<byte[]> seeds = seeds();
        int readable = 0;
        for (int i = 0; i < 3000; i++) {
            byte[] input = mutate(seeds.get(i % seeds.size()), random);
            chunkDecoder(input);
            handshake(input);
            if (new ChunkMarshaller(POOL).parse(new ByteArrayInputStream(input)).unreadable == null) {
                readable++;
            }
        }
        // the mutations reach past the framing into the checks on readable chunks
        assertThat(readable).isGreaterThan(100);
        for (byte[] seed : seeds()) {
            chunkDecoder(seed);
            handshake(seed);
        }
    }
}
