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

    VectorChunk(ChunkHeader header, byte[] data, int dataLength, ChunkPool pool) {
        this.header = header;
        this.data = data;
        this.dataLength = dataLength;
        this.pool = pool;
    }

    byte[] data() {
        byte[] d = data;
        if (d == null) {
            throw new IllegalStateException("chunk already released");
        }
        return d;
    }

    synchronized void release() {
        if (data != null) {
            pool.release(data);
            data = null;
        }
    }
}
