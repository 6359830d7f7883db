package io.dgan.transport.grpc;

import io.dgan.transport.TransportException;
import io.dgan.transport.grpc.proto.ChunkHeader;
import io.grpc.HasByteBuffer;
import io.grpc.Status;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.zip.CRC32C;

/**
 * One chunk of a streamed vector as it travels through gRPC: the header and its {@code header.elements ×
 * bytesPerElement} payload bytes, held either in a pooled array (sender; receiver fallback) or, on the receiver, in
 * Netty's own buffers kept from the wire (zero copy: gRPC's {@code Detachable} stream) until the payload is decoded
 * into the caller's buffer. The payload is released exactly once, after it was written out (sender) or decoded or
 * dropped (receiver).
 */
final class VectorChunk {
    final ChunkHeader header;
    final int dataLength;
    private byte[] data;
    private InputStream retained;
    /** Sender, float32 only: the caller's vector, read straight into gRPC's buffer while send() still owns it. */
    private FloatBuffer source;
    private int sourceFrom;
    private boolean drained;
    private final ChunkPool pool;
    private final int crc;
    /** Sender: write a CRC-32C trailer after the data, computed while the data is written. */
    final boolean trailerCrc;
    /** Receiver: the CRC trailer the chunk carried, or null. */
    private final Integer trailer;
    /** Receiver: every element of the payload is finite (no NaN, no infinity). */
    final boolean finite;

    /** Why the bytes could not be parsed, or null: the service reports it with the right status and text. */
    final Status unreadable;

    VectorChunk(ChunkHeader header, byte[] data, int dataLength, ChunkPool pool) {
        this(header, data, null, dataLength, pool, 0, null, false, null, true);
    }

    /** A chunk to send from a pooled array, with a CRC-32C trailer if {@code trailerCrc}. */
    VectorChunk(ChunkHeader header, byte[] data, int dataLength, ChunkPool pool, boolean trailerCrc) {
        this(header, data, null, dataLength, pool, 0, null, trailerCrc, null, true);
    }

    private VectorChunk(ChunkHeader header, byte[] data, InputStream retained, int dataLength, ChunkPool pool, int crc,
                        Status unreadable, boolean trailerCrc, Integer trailer, boolean finite) {
        this.finite = finite;
        this.header = header;
        this.data = data;
        this.retained = retained;
        this.dataLength = dataLength;
        this.pool = pool;
        this.crc = crc;
        this.unreadable = unreadable;
        this.trailerCrc = trailerCrc;
        this.trailer = trailer;
    }

    /**
     * A chunk to send whose payload is still in the caller's buffer: {@code count} float32 elements of {@code src}
     * from absolute index {@code from}. Drained straight into gRPC's buffer (one copy instead of two); the sender
     * calls {@link #detachFromSource} before it returns, which copies the payload into a pooled array only if gRPC
     * has not drained the chunk yet (a stream still waiting for its connection). With {@code trailerCrc} the CRC-32C
     * of the payload is computed block by block while it is written (from the cache, no second pass over
     * {@code src}) and sent after it.
     */
    static VectorChunk fromSource(ChunkHeader header, FloatBuffer src, int from, int count, ChunkPool pool,
                                  boolean trailerCrc) {
        VectorChunk chunk = new VectorChunk(header, null, null, count * 4, pool, 0, null, trailerCrc, null, true);
        chunk.source = src;
        chunk.sourceFrom = from;
        return chunk;
    }

    /**
     * Writes the payload to {@code out}: from the caller's buffer through a small cache-resident staging array, or
     * from the pooled array. Called once, by gRPC's framer. Returns the CRC-32C of the payload if this chunk sends a
     * CRC trailer (computed on each staging block while it is in the cache), else 0.
     */
    synchronized int writePayload(java.io.OutputStream out) throws IOException {
        if (source != null) {
            int sum = 0;
            if (trailerCrc) {
                CRC32C c = new CRC32C();
                littleEndianBlocks(source, sourceFrom, dataLength / 4, (block, offset, length) -> {
                    c.update(block, offset, length);
                    out.write(block, offset, length);
                });
                sum = (int) c.getValue();
            } else {
                littleEndianBlocks(source, sourceFrom, dataLength / 4, out::write);
            }
            drained = true;
            source = null;
            return sum;
        }
        out.write(data(), 0, dataLength);
        drained = true;
        return trailerCrc ? arrayCrc() : 0;
    }

    /** CRC-32C of the payload in the pooled array (sender, when the trailer is not written by {@link #writePayload}). */
    synchronized int arrayCrc() {
        CRC32C c = new CRC32C();
        c.update(data(), 0, dataLength);
        return (int) c.getValue();
    }

    /** Sender: makes the chunk independent of the caller's buffer (a copy only if gRPC has not drained it yet). */
    synchronized void detachFromSource() {
        if (source == null || drained) {
            source = null;
            return;
        }
        byte[] copy = pool.acquire();
        WireFormat.FLOAT32.encode(source, sourceFrom, dataLength / 4, copy);
        data = copy;
        source = null;
    }

    /** Block size of the staging array: small enough to stay in L1/L2 between the encode and gRPC's copy. */
    static final int STAGING_BYTES = 64 << 10;
    static final ThreadLocal<byte[]> STAGING = ThreadLocal.withInitial(() -> new byte[STAGING_BYTES]);
    /** Received bytes decoded through the staging array (not a single ByteBuffer); tests check the path works. */
    static final java.util.concurrent.atomic.AtomicLong STAGED_BYTES = new java.util.concurrent.atomic.AtomicLong();

    /** Receives one block of little-endian bytes; the array is reused for the next block. */
    @FunctionalInterface
    interface BlockSink {
        void accept(byte[] block, int offset, int length) throws IOException;
    }

    /**
     * Hands {@code count} floats of {@code src} from {@code from} to {@code sink} as little-endian bytes, in blocks
     * through this thread's 64 KiB staging array: one pass over the data and no allocation (send and checksum).
     */
    static void littleEndianBlocks(FloatBuffer src, int from, int count, BlockSink sink) throws IOException {
        byte[] staging = STAGING.get();
        FloatBuffer view = ByteBuffer.wrap(staging).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
        for (int done = 0; done < count; ) {
            int n = Math.min(view.capacity(), count - done);
            FloatBuffer slice = src.duplicate();
            slice.limit(from + done + n).position(from + done);
            view.clear();
            view.put(slice);
            sink.accept(staging, 0, n * 4);
            done += n;
        }
    }

    /**
     * A received chunk whose payload is in a pooled array; {@code crc} of the payload (computed if the header or a
     * trailer carries one), {@code trailer} the CRC trailer it carried or null.
     */
    static VectorChunk received(ChunkHeader header, byte[] data, int dataLength, ChunkPool pool, int crc,
                                Integer trailer, boolean finite) {
        return new VectorChunk(header, data, null, dataLength, pool, crc, null, false, trailer, finite);
    }

    /** A received chunk whose payload stays in gRPC's buffers ({@code retained} implements {@link HasByteBuffer}). */
    static VectorChunk retained(ChunkHeader header, InputStream retained, int dataLength, int crc, Integer trailer,
                                boolean finite) {
        return new VectorChunk(header, null, retained, dataLength, null, crc, null, false, trailer, finite);
    }

    /**
     * A message that could not be parsed. Returned instead of thrown by the marshaller because gRPC turns an
     * exception from a marshaller into a bare UNKNOWN "Application error processing RPC".
     */
    static VectorChunk unreadable(Status status) {
        return new VectorChunk(ChunkHeader.getDefaultInstance(), null, null, 0, null, 0, status, false, null, false);
    }

    /** CRC-32C of the payload as received (meaningful when the header or a trailer carries one). */
    int crc() {
        return crc;
    }

    /**
     * Receiver: why the payload does not match the checksum(s) it came with (header and/or trailer), or null; with
     * {@code required}, a chunk without any checksum is a problem too.
     */
    String checksumProblem(boolean required) {
        if (required && !header.hasCrc32C() && trailer == null) {
            return "chunk at offset " + header.getOffset() + " carries no checksum";
        }
        if (header.hasCrc32C() && crc != header.getCrc32C()) {
            return "checksum mismatch in chunk at offset " + header.getOffset();
        }
        if (trailer != null && crc != trailer) {
            return "checksum mismatch (CRC trailer) in chunk at offset " + header.getOffset();
        }
        return null;
    }

    synchronized byte[] data() {
        if (source != null) {
            detachFromSource();
        }
        byte[] d = data;
        if (d == null) {
            throw new IllegalStateException("chunk has no array payload (released or retained)");
        }
        return d;
    }

    /** Decodes the whole payload into {@code dst} from absolute index {@code to}, with bulk copies. */
    void decodeInto(WireFormat wire, FloatBuffer dst, int to) {
        if (data != null) {
            wire.decode(data, header.getElements(), dst, to);
            return;
        }
        InputStream in = retained;
        if (in == null) {
            throw new IllegalStateException("chunk already released");
        }
        int bpe = wire.bytesPerElement();
        int left = dataLength;
        int at = to;
        try {
            while (left > 0) {
                ByteBuffer current = ((HasByteBuffer) in).getByteBuffer();
                int usable = current == null ? 0 : Math.min(current.remaining(), left) / bpe * bpe;
                if (usable > 0) {
                    ByteBuffer slice = current.slice().limit(usable).order(ByteOrder.LITTLE_ENDIAN);
                    wire.decode(slice, usable / bpe, dst, at);
                    skipFully(in, usable);
                } else {
                    // No single ByteBuffer here (a frame that spans two socket reads, kept as a composite buffer)
                    // or an element split across two buffers: through the stream, a cache-sized block at a time.
                    byte[] staging = STAGING.get();
                    usable = current == null ? Math.min(left, staging.length) / bpe * bpe : bpe;
                    if (in.readNBytes(staging, 0, usable) != usable) {
                        throw new TransportException("chunk payload shorter than announced");
                    }
                    wire.decode(staging, usable / bpe, dst, at);
                    STAGED_BYTES.addAndGet(usable);
                }
                left -= usable;
                at += usable / bpe;
            }
        } catch (IOException e) {
            throw new TransportException("reading a received chunk: " + e, e);
        }
    }

    static void skipFully(InputStream in, long n) throws IOException {
        while (n > 0) {
            long skipped = in.skip(n);
            if (skipped <= 0) {
                throw new IOException("could not skip " + n + " bytes");
            }
            n -= skipped;
        }
    }

    synchronized void release() {
        if (data != null && pool != null) {
            pool.release(data);
        }
        data = null;
        source = null;
        if (retained != null) {
            try {
                retained.close();
            } catch (IOException ignored) {
                // releasing Netty buffers does not fail
            }
            retained = null;
        }
    }
}
