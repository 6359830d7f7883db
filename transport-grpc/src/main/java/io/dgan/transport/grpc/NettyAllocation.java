package io.dgan.transport.grpc;

import io.grpc.netty.shaded.io.netty.buffer.PooledByteBufAllocator;

/**
 * Thread caches of gRPC's pooled Netty allocator for the buffer sizes bulk vectors use (1–2 MiB), set before Netty's
 * allocator class initializes (it reads them once, as system properties).
 *
 * <p>Why (measured with {@code perf}, docs/benchmarks-transport.md, "Why the transport is built this way"): grpc-netty's allocator uses 2 MiB
 * chunks and, by default, caches only buffers up to 32 KiB per thread. A 40 MiB vector goes through ~1–2 MiB buffers
 * (the sender's framer, the receiver's HTTP/2 frame cumulation); each one takes a whole or half chunk, and Netty
 * destroys a chunk as soon as it is empty. So every vector allocated, zeroed ({@code ByteBuffer.allocateDirect})
 * and freed about as many fresh chunks as it has bytes, on both sides: 15 % of all CPU samples of a one-way
 * transfer, 12 % on the receiver's event loop alone. With these caches the freed buffers go back to the thread that
 * allocated them and are reused by the next vector; the zeroing disappears from the profile.
 *
 * <p>Memory: a thread keeps at most {@code normalCacheSize} (Netty's default, 64) buffers per size class, trimmed
 * when unused; in practice about one vector's worth of buffers in flight per event loop / sending thread.
 * Settings given on the command line win (each property is set only if absent).
 */
final class NettyAllocation {
    static final String PREFIX = "io.grpc.netty.shaded.io.netty.allocator.";
    /** gRPC's chunk size (maxOrder 8): Netty caps the thread cache at the chunk size anyway. */
    static final int MAX_CACHED_BUFFER = 2 << 20;

    private static final boolean APPLIED = apply();

    private NettyAllocation() {
    }

    private static boolean apply() {
        setIfAbsent("maxCachedBufferCapacity", Integer.toString(MAX_CACHED_BUFFER));
        // The sender's framer allocates on the caller's thread (not a Netty thread): give it a cache too.
        setIfAbsent("useCacheForAllThreads", "true");
        return PooledByteBufAllocator.defaultUseCacheForAllThreads();
    }

    private static void setIfAbsent(String key, String value) {
        if (System.getProperty(PREFIX + key) == null) {
            System.setProperty(PREFIX + key, value);
        }
    }

    /**
     * Applies the settings (once); returns whether Netty's allocator took them, i.e. was not initialized before by
     * other code in this JVM (then the transport works, only with the zeroing cost).
     */
    static boolean ensureApplied() {
        return APPLIED;
    }
}
