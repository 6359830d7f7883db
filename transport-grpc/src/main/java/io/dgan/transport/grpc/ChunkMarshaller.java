package io.dgan.transport.grpc;

import com.google.protobuf.InvalidProtocolBufferException;
import io.dgan.transport.grpc.proto.ChunkHeader;
import io.grpc.Detachable;
import io.grpc.Drainable;
import io.grpc.HasByteBuffer;
import io.grpc.KnownLength;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/**
 * Writes and parses the protobuf message {@code dgan.transport.v1.Chunk} by hand, so that the payload is copied once
 * (pooled array → gRPC's buffer on send, gRPC's buffer → pooled array on receive) instead of going through a
 * {@code ByteString} (two more copies and a fresh array per chunk). The encoding is exactly protobuf's:
 * field 1 (header, length-delimited) then field 2 (data, length-delimited). Parsing insists on that order and on
 * sane lengths: anything else becomes an unreadable chunk (INVALID_ARGUMENT / RESOURCE_EXHAUSTED) that the service
 * reports to the sender, before a byte of payload is buffered.
 */
final class ChunkMarshaller implements MethodDescriptor.Marshaller<VectorChunk> {
    private static final int HEADER_FIELD = (1 << 3) | 2;
    private static final int DATA_FIELD = (2 << 3) | 2;
    static final int MAX_HEADER_BYTES = 4096;
    /** Chunks received without copying (kept in gRPC's buffers); tests check that the zero-copy path is taken. */
    static final java.util.concurrent.atomic.AtomicLong RETAINED_CHUNKS = new java.util.concurrent.atomic.AtomicLong();

    private final ChunkPool pool;

    ChunkMarshaller(ChunkPool pool) {
        this.pool = pool;
    }

    @Override
    public InputStream stream(VectorChunk chunk) {
        return new ChunkStream(chunk);
    }

    @Override
    public VectorChunk parse(InputStream in) {
        try {
            int field = readVarint(in);
            if (field != HEADER_FIELD) {
                throw garbage("expected the chunk header first, found field tag " + field);
            }
            int headerLength = readVarint(in);
            if (headerLength < 0 || headerLength > MAX_HEADER_BYTES) {
                throw garbage("chunk header of " + headerLength + " bytes (limit " + MAX_HEADER_BYTES + ")");
            }
            byte[] headerBytes = in.readNBytes(headerLength);
            if (headerBytes.length != headerLength) {
                throw garbage("truncated chunk header");
            }
            ChunkHeader header = ChunkHeader.parseFrom(headerBytes);
            int dataField = readVarint(in);
            if (dataField != DATA_FIELD) {
                throw garbage("expected the chunk data after the header, found field tag " + dataField);
            }
            int dataLength = readVarint(in);
            if (dataLength < 0 || dataLength > pool.chunkBytes()) {
                throw Status.RESOURCE_EXHAUSTED.withDescription("chunk of " + dataLength
                        + " bytes exceeds the limit of " + pool.chunkBytes() + " bytes").asRuntimeException();
            }
            if (in instanceof Detachable detachable && in instanceof HasByteBuffer direct && in instanceof KnownLength
                    && direct.byteBufferSupported() && (!header.hasCrc32C() || in.markSupported())) {
                // Zero copy: keep gRPC's (Netty's) buffers until the payload is decoded into the caller's buffer.
                if (in.available() != dataLength) {
                    throw garbage("chunk data is " + (in.available() < dataLength ? "truncated"
                            : "followed by trailing bytes"));
                }
                InputStream kept = detachable.detach();
                RETAINED_CHUNKS.incrementAndGet();
                int crc = header.hasCrc32C() ? crcOf(kept, dataLength) : 0;
                return VectorChunk.retained(header, kept, dataLength, crc);
            }
            byte[] data = pool.acquire();
            int read = in.readNBytes(data, 0, dataLength);
            if (read != dataLength || in.read() != -1) {
                pool.release(data);
                throw garbage("chunk data is " + (read != dataLength ? "truncated" : "followed by trailing bytes"));
            }
            int crc = 0;
            if (header.hasCrc32C()) {
                CRC32C c = new CRC32C();
                c.update(data, 0, dataLength);
                crc = (int) c.getValue();
            }
            return VectorChunk.received(header, data, dataLength, pool, crc);
        } catch (InvalidProtocolBufferException e) {
            return VectorChunk.unreadable(Status.INVALID_ARGUMENT.withDescription("malformed chunk: unreadable header: "
                    + e.getMessage()));
        } catch (StatusRuntimeException e) {
            return VectorChunk.unreadable(e.getStatus());
        } catch (IOException e) {
            return VectorChunk.unreadable(Status.INTERNAL.withDescription("reading a chunk: " + e));
        }
    }

    /** CRC-32C of the next {@code length} bytes of a retained stream, read through its ByteBuffers, then rewound. */
    private static int crcOf(InputStream kept, int length) throws IOException {
        CRC32C crc = new CRC32C();
        kept.mark(length);
        int left = length;
        while (left > 0) {
            ByteBuffer current = ((HasByteBuffer) kept).getByteBuffer();
            if (current == null || !current.hasRemaining()) {
                byte[] one = kept.readNBytes(Math.min(left, 8192));
                if (one.length == 0) {
                    throw garbage("chunk data is truncated");
                }
                crc.update(one);
                left -= one.length;
                continue;
            }
            int n = Math.min(current.remaining(), left);
            crc.update(current.slice().limit(n));
            VectorChunk.skipFully(kept, n);
            left -= n;
        }
        kept.reset();
        return (int) crc.getValue();
    }

    private static RuntimeException garbage(String what) {
        return Status.INVALID_ARGUMENT.withDescription("malformed chunk: " + what).asRuntimeException();
    }

    private static int readVarint(InputStream in) throws IOException {
        int result = 0;
        for (int shift = 0; shift < 32; shift += 7) {
            int b = in.read();
            if (b < 0) {
                throw garbage("truncated varint");
            }
            result |= (b & 0x7f) << shift;
            if ((b & 0x80) == 0) {
                return result;
            }
        }
        throw garbage("varint longer than 5 bytes");
    }

    private static void writeVarint(ByteArrayOutputStream out, int value) {
        while ((value & ~0x7f) != 0) {
            out.write((value & 0x7f) | 0x80);
            value >>>= 7;
        }
        out.write(value);
    }

    /** The serialized chunk: a small prefix (header + field tags), then the pooled payload, drained without copies. */
    private static final class ChunkStream extends InputStream implements Drainable, KnownLength {
        private final VectorChunk chunk;
        private final byte[] prefix;
        private int position;

        ChunkStream(VectorChunk chunk) {
            this.chunk = chunk;
            byte[] header = chunk.header.toByteArray();
            ByteArrayOutputStream out = new ByteArrayOutputStream(header.length + 12);
            writeVarint(out, HEADER_FIELD);
            writeVarint(out, header.length);
            out.writeBytes(header);
            writeVarint(out, DATA_FIELD);
            writeVarint(out, chunk.dataLength);
            this.prefix = out.toByteArray();
        }

        private int total() {
            return prefix.length + chunk.dataLength;
        }

        @Override
        public int drainTo(OutputStream target) throws IOException {
            if (position != 0) {
                throw new IllegalStateException("chunk stream partly read before draining");
            }
            target.write(prefix);
            chunk.writePayload(target);
            position = total();
            chunk.release();
            return total();
        }

        @Override
        public int available() {
            return total() - position;
        }

        @Override
        public int read() {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (position >= total()) {
                return -1;
            }
            int n = 0;
            if (position < prefix.length) {
                int k = Math.min(len, prefix.length - position);
                System.arraycopy(prefix, position, b, off, k);
                position += k;
                n += k;
            }
            if (n < len && position >= prefix.length && position < total()) {
                int k = Math.min(len - n, total() - position);
                System.arraycopy(chunk.data(), position - prefix.length, b, off + n, k);
                position += k;
                n += k;
            }
            if (position >= total()) {
                chunk.release();
            }
            return n;
        }
    }
}
