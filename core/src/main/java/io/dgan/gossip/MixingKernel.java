package io.dgan.gossip;

import java.nio.ByteOrder;
import java.nio.FloatBuffer;

/**
 * The arithmetic of one gossip round, in place: {@code self ← w_self·self + Σ_j w_j·neighbour_j}.
 * Neighbours are summed in the order given (ascending rank), so the result is bit-reproducible whatever order the
 * messages arrived in. Allocates nothing.
 *
 * <p>Every element is computed with exactly this sequence of float operations, whichever path runs:
 * <pre>  acc = w_self·self[i];  acc += w_0·nb_0[i];  acc += w_1·nb_1[i];  …  self[i] = acc</pre>
 * Java float arithmetic is strict (IEEE single, round to nearest, no fused multiply-add), and storing the partial
 * sum in {@code self[i]} between steps is exact, so the heap-array path, the buffer path and the blocked path give
 * bit-identical results.
 *
 * <p>Paths:
 * <ul>
 *   <li>Heap: {@code self} and every neighbour expose a backing array ({@link FloatBuffer#hasArray()}) at the same
 *       array offset (always true for {@code wrap(array)} and {@code allocate}). Fused loops on the arrays, which the
 *       JIT vectorises: one pass for one or two neighbours; for more, blocks of {@value #BLOCK} floats where the
 *       first pass fuses self and two neighbours and later passes add two neighbours at a time while the block of
 *       {@code self} is still in cache, so memory is streamed once. All arrays are indexed with the same expression:
 *       with a different offset per array C2 cannot exclude an overlap with a shift and leaves the loop scalar.</li>
 *   <li>Buffers (direct, off-heap buffers such as DL4J parameters; mixed heap/direct; slices at different offsets):
 *       the same fused/blocked structure with absolute {@code get(int)/put(int)}. On JDK 17 these stay scalar
 *       (C2 does not vectorise off-heap accesses): measured at 0.2–0.3 of a vectorised float[] loop on
 *       cache-resident vectors, 0.6–1.0 on vectors of 1M–10M floats that stream from memory. Alternatives tried and
 *       rejected: sun.misc.Unsafe with raw addresses (no faster), and staging blocks through per-thread float[]
 *       with bulk get/put so the arithmetic vectorises (slower at every size: the copy into a heap array is an
 *       element-atomic copy). JDK 25 runs this same code at about 0.9 of the loop on 1M–10M floats.</li>
 *   <li>Vector (JDK 25+, {@code --add-modules jdk.incubator.vector}, a build compiled on JDK 25+): the buffer path's
 *       loops with the Vector API over {@code MemorySegment}s ({@code VectorBufferMixer}), for buffers in native
 *       byte order; the same operations per lane, so the same bits. {@link #bufferPath()} says which runs;
 *       {@code -Ddgan.mixing.vector=false} turns it off.</li>
 * </ul>
 *
 * <p>Elements [0, self.limit()) are mixed (absolute indices; position is ignored); every neighbour must have at
 * least that many elements, and no neighbour may be {@code self} itself.
 */
public final class MixingKernel {
    /** Floats per block (16 KiB): the self block and two neighbour blocks stay within L1/L2. */
    static final int BLOCK = 4096;
    /** System property that turns the vectorised buffer path off ({@code -Ddgan.mixing.vector=false}). */
    public static final String VECTOR_PROPERTY = "dgan.mixing.vector";
    /** The vectorised buffer path (JDK 25+ with jdk.incubator.vector), or null: the scalar buffer loops run. */
    private static final BufferMixer VECTOR = loadVector();

    private MixingKernel() {
    }

    /**
     * Which buffer path runs: {@code "vector (JDK 25+, jdk.incubator.vector)"} or {@code "scalar"} with the reason.
     */
    public static String bufferPath() {
        if (VECTOR != null) {
            return "vector (Vector API over MemorySegment, JDK " + Runtime.version().feature() + ")";
        }
        if (!Boolean.parseBoolean(System.getProperty(VECTOR_PROPERTY, "true"))) {
            return "scalar (-D" + VECTOR_PROPERTY + "=false)";
        }
        if (Runtime.version().feature() < 25) {
            return "scalar (JDK " + Runtime.version().feature() + "; the vector path needs JDK 25+)";
        }
        if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
            return "scalar (run with --add-modules jdk.incubator.vector for the vector path)";
        }
        return "scalar (this build has no vector path: it was compiled on a JDK older than 25)";
    }

    private static BufferMixer loadVector() {
        if (!Boolean.parseBoolean(System.getProperty(VECTOR_PROPERTY, "true")) || Runtime.version().feature() < 25
                || ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
            return null;
        }
        try {
            return (BufferMixer) Class.forName("io.dgan.gossip.VectorBufferMixer").getDeclaredConstructor().newInstance();
        } catch (ReflectiveOperationException | LinkageError e) {
            return null;  // compiled on a JDK older than 25: no such class
        }
    }

    /**
     * @param self        this worker's vector, elements [0, self.limit()) are mixed in place
     * @param selfWeight  W_ii
     * @param neighbours  received neighbour vectors, same length as self; only the first {@code count} are used
     * @param weights     W_ij for those neighbours, same order
     * @param count       number of neighbours to mix
     */
    public static void mix(FloatBuffer self, float selfWeight, FloatBuffer[] neighbours, float[] weights, int count) {
        int n = self.limit();
        if (count < 0 || count > neighbours.length || count > weights.length) {
            throw new IllegalArgumentException("count " + count + " must be in 0.." + Math.min(neighbours.length,
                    weights.length) + " (neighbours and weights given)");
        }
        boolean arrays = self.hasArray();
        int offset = arrays ? self.arrayOffset() : 0;
        for (int j = 0; j < count; j++) {
            FloatBuffer nb = neighbours[j];
            if (nb.limit() < n) {
                throw new IllegalArgumentException("neighbour " + j + " has " + nb.limit()
                        + " elements, fewer than self's " + n);
            }
            arrays = arrays && nb.hasArray() && nb.arrayOffset() == offset;
        }
        if (self.isReadOnly()) {
            throw new IllegalArgumentException("self buffer is read-only");
        }
        if (arrays) {
            mixArrays(self, selfWeight, neighbours, weights, count, n);
        } else {
            mixBuffers(self, selfWeight, neighbours, weights, count, n);
        }
    }

    // ---------------------------------------------------------------- heap arrays

    /**
     * The loops index every array with the same index (running from o to o + n). That matters: with a different offset per
     * array, JDK 17's C2 cannot rule out that {@code self} and a neighbour overlap with a shift (a loop-carried
     * dependence) and leaves the loop scalar, 4× slower on cache-resident vectors. Buffers from
     * {@code FloatBuffer.wrap(array)} or {@code allocate} all have offset 0, so they take the vectorised loops; buffers
     * whose array offsets differ (slices) take the element-wise buffer path instead: bit-identical, only slower.
     */
    private static void mixArrays(FloatBuffer selfBuffer, float ws, FloatBuffer[] nb, float[] w, int count, int n) {
        float[] s = selfBuffer.array();
        int o = selfBuffer.arrayOffset();
        switch (count) {
            case 0 -> scale(s, ws, o, o + n);
            case 1 -> fused1(s, ws, nb[0].array(), w[0], o, o + n);
            case 2 -> fused2(s, ws, nb[0].array(), w[0], nb[1].array(), w[1], o, o + n);
            default -> {
                for (int from = 0; from < n; from += BLOCK) {
                    int lo = o + from;
                    int hi = o + Math.min(n, from + BLOCK);
                    fused2(s, ws, nb[0].array(), w[0], nb[1].array(), w[1], lo, hi);
                    int j = 2;
                    for (; j + 1 < count; j += 2) {
                        accumulate2(s, nb[j].array(), w[j], nb[j + 1].array(), w[j + 1], lo, hi);
                    }
                    if (j < count) {
                        accumulate1(s, nb[j].array(), w[j], lo, hi);
                    }
                }
            }
        }
    }

    private static void scale(float[] s, float ws, int from, int to) {
        for (int i = from; i < to; i++) {
            s[i] = ws * s[i];
        }
    }

    private static void fused1(float[] s, float ws, float[] a, float wa, int from, int to) {
        for (int i = from; i < to; i++) {
            s[i] = ws * s[i] + wa * a[i];
        }
    }

    private static void fused2(float[] s, float ws, float[] a, float wa, float[] b, float wb, int from, int to) {
        for (int i = from; i < to; i++) {
            s[i] = ws * s[i] + wa * a[i] + wb * b[i];
        }
    }

    private static void accumulate1(float[] s, float[] a, float wa, int from, int to) {
        for (int i = from; i < to; i++) {
            s[i] = s[i] + wa * a[i];
        }
    }

    private static void accumulate2(float[] s, float[] a, float wa, float[] b, float wb, int from, int to) {
        for (int i = from; i < to; i++) {
            s[i] = s[i] + wa * a[i] + wb * b[i];
        }
    }

    // ---------------------------------------------------------------- direct (or mixed) buffers

    private static void mixBuffers(FloatBuffer s, float ws, FloatBuffer[] nb, float[] w, int count, int n) {
        BufferMixer fast = VECTOR;
        if (fast != null && nativeOrder(s, nb, count)) {
            mixBuffers(fast, s, ws, nb, w, count, n);
            return;
        }
        switch (count) {
            case 0 -> scale(s, ws, 0, n);
            case 1 -> fused1(s, ws, nb[0], w[0], 0, n);
            case 2 -> fused2(s, ws, nb[0], w[0], nb[1], w[1], 0, n);
            default -> {
                for (int from = 0; from < n; from += BLOCK) {
                    int to = Math.min(n, from + BLOCK);
                    fused2(s, ws, nb[0], w[0], nb[1], w[1], from, to);
                    int j = 2;
                    for (; j + 1 < count; j += 2) {
                        accumulate2(s, nb[j], w[j], nb[j + 1], w[j + 1], from, to);
                    }
                    if (j < count) {
                        accumulate1(s, nb[j], w[j], from, to);
                    }
                }
            }
        }
    }

    private static void mixBuffers(BufferMixer m, FloatBuffer s, float ws, FloatBuffer[] nb, float[] w, int count,
                                   int n) {
        switch (count) {
            case 0 -> m.scale(s, ws, 0, n);
            case 1 -> m.fused1(s, ws, nb[0], w[0], 0, n);
            case 2 -> m.fused2(s, ws, nb[0], w[0], nb[1], w[1], 0, n);
            default -> {
                for (int from = 0; from < n; from += BLOCK) {
                    int to = Math.min(n, from + BLOCK);
                    m.fused2(s, ws, nb[0], w[0], nb[1], w[1], from, to);
                    int j = 2;
                    for (; j + 1 < count; j += 2) {
                        m.accumulate2(s, nb[j], w[j], nb[j + 1], w[j + 1], from, to);
                    }
                    if (j < count) {
                        m.accumulate1(s, nb[j], w[j], from, to);
                    }
                }
            }
        }
    }

    private static boolean nativeOrder(FloatBuffer s, FloatBuffer[] nb, int count) {
        ByteOrder o = ByteOrder.nativeOrder();
        if (s.order() != o) {
            return false;
        }
        for (int j = 0; j < count; j++) {
            if (nb[j].order() != o) {
                return false;
            }
        }
        return true;
    }

    private static void scale(FloatBuffer s, float ws, int from, int to) {
        for (int i = from; i < to; i++) {
            s.put(i, ws * s.get(i));
        }
    }

    private static void fused1(FloatBuffer s, float ws, FloatBuffer a, float wa, int from, int to) {
        for (int i = from; i < to; i++) {
            s.put(i, ws * s.get(i) + wa * a.get(i));
        }
    }

    private static void fused2(FloatBuffer s, float ws, FloatBuffer a, float wa, FloatBuffer b, float wb,
                               int from, int to) {
        for (int i = from; i < to; i++) {
            s.put(i, ws * s.get(i) + wa * a.get(i) + wb * b.get(i));
        }
    }

    private static void accumulate1(FloatBuffer s, FloatBuffer a, float wa, int from, int to) {
        for (int i = from; i < to; i++) {
            s.put(i, s.get(i) + wa * a.get(i));
        }
    }

    private static void accumulate2(FloatBuffer s, FloatBuffer a, float wa, FloatBuffer b, float wb,
                                    int from, int to) {
        for (int i = from; i < to; i++) {
            s.put(i, s.get(i) + wa * a.get(i) + wb * b.get(i));
        }
    }
}
