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
 * (caller's buffer or pooled array → gRPC's buffer on send; on receive it stays in gRPC's buffers until it is decoded
 * into the caller's) instead of going through a {@code ByteString} (two more copies and a fresh array per chunk).
 * The encoding is exactly protobuf's: field 1 (header, length-delimited), field 2 (data, length-delimited), then
 * optionally field 3 (fixed32 CRC-32C trailer of the data, computed while the data was written). Parsing insists on
 * that order and on sane lengths: anything else becomes an unreadable chunk (INVALID_ARGUMENT / RESOURCE_EXHAUSTED)
 * that the service reports to the sender, before a byte of payload is buffered.
 */
final class ChunkMarshaller implements MethodDescriptor.Marshaller<VectorChunk> {
    private static final int HEADER_FIELD = (1 << 3) | 2;
    private static final int DATA_FIELD = (2 << 3) | 2;
    /** Field 3, fixed32 (wire type 5): the CRC-32C trailer after the data. One tag byte + 4 bytes. */
    static final int TRAILER_FIELD = (3 << 3) | 5;
    static final int TRAILER_BYTES = 5;
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
                    && direct.byteBufferSupported() && in.markSupported()) {
                // Zero copy: keep gRPC's (Netty's) buffers until the payload is decoded into the caller's buffer.
                int available = in.available();
                boolean trailer = available == dataLength + TRAILER_BYTES;
                if (available != dataLength && !trailer) {
                    throw garbage("chunk data is " + (available < dataLength ? "truncated"
                            : "followed by trailing bytes"));
                }
                InputStream kept = detachable.detach();
                RETAINED_CHUNKS.incrementAndGet();
                try {
                    // One pass: the CRC-32C and the finiteness of every element (a NaN is refused, never averaged).
                    long[] scan = scan(kept, dataLength, trailer, WireFormat.fromProto(header.getWire()));
                    return VectorChunk.retained(header, kept, dataLength, (int) scan[0],
                            trailer ? (int) scan[1] : null, scan[2] != 0);
                } catch (IOException | RuntimeException e) {
                    kept.close();
                    throw e;
                }
            }
            byte[] data = pool.acquire();
            int read = in.readNBytes(data, 0, dataLength);
            Integer trailer = null;
            try {
                if (read != dataLength) {
                    throw garbage("chunk data is truncated");
                }
                int next = in.read();
                if (next == TRAILER_FIELD) {
                    trailer = readTrailerValue(in);
                    next = in.read();
                }
                if (next != -1) {
                    throw garbage("chunk data is followed by trailing bytes");
                }
            } catch (IOException | RuntimeException e) {
                pool.release(data);
                throw e;
            }
            CRC32C c = new CRC32C();
            c.update(data, 0, dataLength);
            WireFormat wire = WireFormat.fromProto(header.getWire());
            boolean finite = wire != null && dataLength % wire.bytesPerElement() == 0
                    && wire.allFinite(data, 0, dataLength);
            return VectorChunk.received(header, data, dataLength, pool, (int) c.getValue(), trailer, finite);
        } catch (InvalidProtocolBufferException e) {
            return VectorChunk.unreadable(Status.INVALID_ARGUMENT.withDescription("malformed chunk: unreadable header: "
                    + e.getMessage()));
        } catch (StatusRuntimeException e) {
            return VectorChunk.unreadable(e.getStatus());
        } catch (IOException e) {
            return VectorChunk.unreadable(Status.INTERNAL.withDescription("reading a chunk: " + e));
        }
    }

    /**
     * CRC-32C of the next {@code length} bytes of a retained stream, read through its ByteBuffers, whether they are
     * all finite elements of {@code wire} (false for an unknown format), and (if {@code trailer}) the value of the
     * CRC trailer after them; then rewound to the data. Returns {crc, trailer, finite ? 1 : 0}. Whole elements are
     * examined at a time: an element split between two buffers goes through the staging array.
     */
    private static long[] scan(InputStream kept, int length, boolean trailer, WireFormat wire) throws IOException {
        CRC32C crc = new CRC32C();
        int bpe = wire == null ? 1 : wire.bytesPerElement();
        boolean finite = wire != null && length % bpe == 0;
        kept.mark(length + TRAILER_BYTES);
        int left = length;
        while (left > 0) {
            ByteBuffer current = ((HasByteBuffer) kept).getByteBuffer();
            int usable = current == null ? 0 : Math.min(current.remaining(), left) / bpe * bpe;
            if (usable == 0) {
                // No single ByteBuffer (a frame spanning two socket reads), or an element split between two: a
                // cache-sized block (or one element) through the stream.
                byte[] staging = VectorChunk.STAGING.get();
                int want = current == null || !current.hasRemaining()
                        ? Math.min(left, staging.length) / bpe * bpe : bpe;
                want = Math.max(Math.min(want, left), 1);
                int n = kept.readNBytes(staging, 0, want);
                if (n == 0) {
                    throw garbage("chunk data is truncated");
                }
                crc.update(staging, 0, n);
                if (finite) {
                    finite = n % bpe == 0 && wire.allFinite(staging, 0, n);
                }
                left -= n;
                continue;
            }
            ByteBuffer slice = current.slice().limit(usable);
            crc.update(slice.duplicate());
            if (finite) {
                finite = wire.allFinite(slice, usable);
            }
            VectorChunk.skipFully(kept, usable);
            left -= usable;
        }
        long trailerValue = 0;
        if (trailer) {
            if (kept.read() != TRAILER_FIELD) {
                throw garbage("chunk data is followed by trailing bytes (not a CRC trailer)");
            }
            trailerValue = readTrailerValue(kept);
        }
        kept.reset();
        return new long[] {(int) crc.getValue(), trailerValue, finite ? 1 : 0};
    }

    /** The 4 little-endian bytes of a fixed32 after its tag. */
    private static int readTrailerValue(InputStream in) throws IOException {
        byte[] v = in.readNBytes(4);
        if (v.length != 4) {
            throw garbage("truncated CRC trailer");
        }
        return (v[0] & 0xff) | (v[1] & 0xff) << 8 | (v[2] & 0xff) << 16 | (v[3] & 0xff) << 24;
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
            return prefix.length + chunk.dataLength + (chunk.trailerCrc ? TRAILER_BYTES : 0);
        }

        @Override
        public int drainTo(OutputStream target) throws IOException {
            if (position != 0) {
                throw new IllegalStateException("chunk stream partly read before draining");
            }
            target.write(prefix);
            int crc = chunk.writePayload(target);
            if (chunk.trailerCrc) {
                target.write(trailer(crc));
            }
            position = total();
            chunk.release();
            return total();
        }

        private static byte[] trailer(int crc) {
            return new byte[] {(byte) TRAILER_FIELD, (byte) crc, (byte) (crc >>> 8), (byte) (crc >>> 16),
                    (byte) (crc >>> 24)};
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
            int dataEnd = prefix.length + chunk.dataLength;
            if (n < len && position >= prefix.length && position < dataEnd) {
                int k = Math.min(len - n, dataEnd - position);
                System.arraycopy(chunk.data(), position - prefix.length, b, off + n, k);
                position += k;
                n += k;
            }
            if (n < len && position >= dataEnd && position < total()) {
                // The CRC trailer (read path, when gRPC does not drain): computed over the chunk's array.
                byte[] t = trailer(chunk.arrayCrc());
                int k = Math.min(len - n, total() - position);
                System.arraycopy(t, position - dataEnd, b, off + n, k);
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
