package io.dgan.transport.grpc;

import com.google.protobuf.InvalidProtocolBufferException;
import io.dgan.transport.grpc.proto.ChunkHeader;
import io.grpc.Drainable;
import io.grpc.KnownLength;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

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
            byte[] data = pool.acquire();
            int read = in.readNBytes(data, 0, dataLength);
            if (read != dataLength || in.read() != -1) {
                pool.release(data);
                throw garbage("chunk data is " + (read != dataLength ? "truncated" : "followed by trailing bytes"));
            }
            return new VectorChunk(header, data, dataLength, pool);
        } catch (InvalidProtocolBufferException e) {
            return VectorChunk.unreadable(Status.INVALID_ARGUMENT.withDescription("malformed chunk: unreadable header: "
                    + e.getMessage()));
        } catch (StatusRuntimeException e) {
            return VectorChunk.unreadable(e.getStatus());
        } catch (IOException e) {
            return VectorChunk.unreadable(Status.INTERNAL.withDescription("reading a chunk: " + e));
        }
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
            target.write(chunk.data(), 0, chunk.dataLength);
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
