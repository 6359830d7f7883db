package io.dgan.gossip;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT_UNALIGNED;

/**
 * The buffer path of the mixing kernel with the Vector API over {@link MemorySegment}s (JDK 25+, run with
 * {@code --add-modules jdk.incubator.vector}): direct (native) buffers such as DL4J's parameter views, and heap
 * buffers at differing offsets, vectorised. Each lane computes exactly the scalar path's float operations in the
 * same order (multiplies and adds, never a fused multiply-add), so results are bit-identical.
 *
 * <p>Allocation: a buffer's segment ({@code MemorySegment.ofBuffer} of its full [0, capacity) range) is made once and
 * kept in a small per-thread cache keyed by the buffer's identity; a hit allocates nothing. The gossip engine passes
 * the same buffers every round.
 *
 * <p>Compiled only by a JDK 25+ build (the {@code jdk25} profile of core's POM) into the main output;
 * {@link MixingKernel} loads it by name when the running JDK is 25+ and the incubator module is present.
 */
final class VectorBufferMixer implements BufferMixer {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final ByteOrder ORDER = ByteOrder.nativeOrder();
    /** Bytes per vector. The loops step a long byte offset and the scalar tail starts from it: with one int element
     * index shared by the vector loop and the tail, {@code dgan bench mixing} ran 0.016-0.018 ms per call at 100K
     * floats against 0.013 ms now (0.70-0.78x of the float[] loop against 0.93-0.98x; JDK 25.0.3, 2-core x86-64 VM,
     * 2026-12-07, docs/benchmarks.md). */
    private static final long STEP = (long) S.length() * Float.BYTES;
    private static final int CACHED = 8;
    private static final ThreadLocal<Cache> CACHE = ThreadLocal.withInitial(Cache::new);

    /** Last {@value #CACHED} buffers and their segments, replaced round-robin. */
    private static final class Cache {
        final FloatBuffer[] buffers = new FloatBuffer[CACHED];
        final MemorySegment[] segments = new MemorySegment[CACHED];
        int next;

        MemorySegment of(FloatBuffer b) {
            for (int i = 0; i < CACHED; i++) {
                if (buffers[i] == b) {
                    return segments[i];
                }
            }
            MemorySegment seg = MemorySegment.ofBuffer(b.duplicate().clear());
            buffers[next] = b;
            segments[next] = seg;
            next = (next + 1) % CACHED;
            return seg;
        }
    }

    VectorBufferMixer() {
        // loading fails here, not later, where the incubator module is missing
        S.length();
    }

    @Override
    public void scale(FloatBuffer sb, float ws, int from, int to) {
        MemorySegment s = CACHE.get().of(sb);
        long off = (long) from * Float.BYTES;
        for (long end = off + (long) S.loopBound(to - from) * Float.BYTES; off < end; off += STEP) {
            FloatVector.fromMemorySegment(S, s, off, ORDER).mul(ws).intoMemorySegment(s, off, ORDER);
        }
        for (int i = (int) (off / Float.BYTES); i < to; i++) {
            s.setAtIndex(JAVA_FLOAT_UNALIGNED, i, ws * s.getAtIndex(JAVA_FLOAT_UNALIGNED, i));
        }
    }

    @Override
    public void fused1(FloatBuffer sb, float ws, FloatBuffer ab, float wa, int from, int to) {
        Cache c = CACHE.get();
        MemorySegment s = c.of(sb);
        MemorySegment a = c.of(ab);
        long off = (long) from * Float.BYTES;
        for (long end = off + (long) S.loopBound(to - from) * Float.BYTES; off < end; off += STEP) {
            FloatVector.fromMemorySegment(S, s, off, ORDER).mul(ws)
                    .add(FloatVector.fromMemorySegment(S, a, off, ORDER).mul(wa))
                    .intoMemorySegment(s, off, ORDER);
        }
        for (int i = (int) (off / Float.BYTES); i < to; i++) {
            s.setAtIndex(JAVA_FLOAT_UNALIGNED, i, ws * s.getAtIndex(JAVA_FLOAT_UNALIGNED, i)
                    + wa * a.getAtIndex(JAVA_FLOAT_UNALIGNED, i));
        }
    }

    @Override
    public void fused2(FloatBuffer sb, float ws, FloatBuffer ab, float wa, FloatBuffer bb, float wb, int from, int to) {
        Cache c = CACHE.get();
        MemorySegment s = c.of(sb);
        MemorySegment a = c.of(ab);
        MemorySegment b = c.of(bb);
        long off = (long) from * Float.BYTES;
        for (long end = off + (long) S.loopBound(to - from) * Float.BYTES; off < end; off += STEP) {
            FloatVector.fromMemorySegment(S, s, off, ORDER).mul(ws)
                    .add(FloatVector.fromMemorySegment(S, a, off, ORDER).mul(wa))
                    .add(FloatVector.fromMemorySegment(S, b, off, ORDER).mul(wb))
                    .intoMemorySegment(s, off, ORDER);
        }
        for (int i = (int) (off / Float.BYTES); i < to; i++) {
            s.setAtIndex(JAVA_FLOAT_UNALIGNED, i, ws * s.getAtIndex(JAVA_FLOAT_UNALIGNED, i)
                    + wa * a.getAtIndex(JAVA_FLOAT_UNALIGNED, i) + wb * b.getAtIndex(JAVA_FLOAT_UNALIGNED, i));
        }
    }

    @Override
    public void accumulate1(FloatBuffer sb, FloatBuffer ab, float wa, int from, int to) {
        Cache c = CACHE.get();
        MemorySegment s = c.of(sb);
        MemorySegment a = c.of(ab);
        long off = (long) from * Float.BYTES;
        for (long end = off + (long) S.loopBound(to - from) * Float.BYTES; off < end; off += STEP) {
            FloatVector.fromMemorySegment(S, s, off, ORDER)
                    .add(FloatVector.fromMemorySegment(S, a, off, ORDER).mul(wa))
                    .intoMemorySegment(s, off, ORDER);
        }
        for (int i = (int) (off / Float.BYTES); i < to; i++) {
            s.setAtIndex(JAVA_FLOAT_UNALIGNED, i, s.getAtIndex(JAVA_FLOAT_UNALIGNED, i)
                    + wa * a.getAtIndex(JAVA_FLOAT_UNALIGNED, i));
        }
    }

    @Override
    public void accumulate2(FloatBuffer sb, FloatBuffer ab, float wa, FloatBuffer bb, float wb, int from, int to) {
        Cache c = CACHE.get();
        MemorySegment s = c.of(sb);
        MemorySegment a = c.of(ab);
        MemorySegment b = c.of(bb);
        long off = (long) from * Float.BYTES;
        for (long end = off + (long) S.loopBound(to - from) * Float.BYTES; off < end; off += STEP) {
            FloatVector.fromMemorySegment(S, s, off, ORDER)
                    .add(FloatVector.fromMemorySegment(S, a, off, ORDER).mul(wa))
                    .add(FloatVector.fromMemorySegment(S, b, off, ORDER).mul(wb))
                    .intoMemorySegment(s, off, ORDER);
        }
        for (int i = (int) (off / Float.BYTES); i < to; i++) {
            s.setAtIndex(JAVA_FLOAT_UNALIGNED, i, s.getAtIndex(JAVA_FLOAT_UNALIGNED, i)
                    + wa * a.getAtIndex(JAVA_FLOAT_UNALIGNED, i) + wb * b.getAtIndex(JAVA_FLOAT_UNALIGNED, i));
        }
    }
}
