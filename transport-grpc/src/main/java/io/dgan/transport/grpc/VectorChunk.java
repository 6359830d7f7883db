package io.dgan.transport.grpc;

import io.dgan.transport.grpc.proto.ChunkHeader;

/**
 * One chunk of a streamed vector as it travels through gRPC: the header and a pooled array holding
 * {@code header.elements × bytesPerElement} payload bytes. The array goes back to the pool exactly once, when the
 * chunk was written out (sender) or copied into the caller's buffer (receiver).
 */
final class VectorChunk {
    final ChunkHeader header;
    private byte[] data;
    final int dataLength;
    private final ChunkPool pool;

    /** Why the bytes could not be parsed, or null: the service reports it with the right status and text. */
    final io.grpc.Status unreadable;

    VectorChunk(ChunkHeader header, byte[] data, int dataLength, ChunkPool pool) {
        this.header = header;
        this.data = data;
        this.dataLength = dataLength;
        this.pool = pool;
        this.unreadable = null;
    }

    private VectorChunk(io.grpc.Status unreadable) {
        this.header = ChunkHeader.getDefaultInstance();
        this.data = null;
        this.dataLength = 0;
        this.pool = null;
        this.unreadable = unreadable;
    }

    /**
     * A message that could not be parsed. Returned instead of thrown by the marshaller because gRPC turns an
     * exception from a marshaller into a bare UNKNOWN "Application error processing RPC".
     */
    static VectorChunk unreadable(io.grpc.Status status) {
        return new VectorChunk(status);
    }

    byte[] data() {
        byte[] d = data;
        if (d == null) {
            throw new IllegalStateException("chunk already released");
        }
        return d;
    }

    synchronized void release() {
        if (data != null && pool != null) {
            pool.release(data);
            data = null;
        }
    }
}
