package io.dgan.transport.grpc;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Reusable chunk arrays, all of one size, so that streaming a vector allocates nothing in steady state (arrays of a
 * MiB or more are "humongous" objects for G1: allocating one per chunk would be slow and fragment the heap).
 */
final class ChunkPool {
    private final int chunkBytes;
    private final int maxRetained;
    private final ConcurrentLinkedQueue<byte[]> free = new ConcurrentLinkedQueue<>();
    private final AtomicInteger retained = new AtomicInteger();

    ChunkPool(int chunkBytes, int maxRetained) {
        this.chunkBytes = chunkBytes;
        this.maxRetained = maxRetained;
    }

    int chunkBytes() {
        return chunkBytes;
    }

    byte[] acquire() {
        byte[] array = free.poll();
        if (array == null) {
            return new byte[chunkBytes];
        }
        retained.decrementAndGet();
        return array;
    }

    void release(byte[] array) {
        if (array == null || array.length != chunkBytes) {
            return;
        }
        if (retained.incrementAndGet() <= maxRetained) {
            free.offer(array);
        } else {
            retained.decrementAndGet();
        }
    }
}
