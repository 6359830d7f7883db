package io.dgan.gossip;

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
 * <p>Paths: when {@code self} and every neighbour expose a backing array ({@link FloatBuffer#hasArray()}) the loops
 * run on the arrays (the JIT vectorises them); otherwise (direct, off-heap buffers such as DL4J parameters, or a mix)
 * they use absolute {@code get(int)/put(int)}, which on a native-order direct buffer compile to plain scalar loads
 * and stores. (Measured alternative, rejected: staging blocks through per-thread float[] with bulk get/put, to let
 * the JIT vectorise. On JDK 17 the bulk copy into a heap array is an element-atomic copy, and staging was slower than
 * element-wise access at every size from 16K to 10M floats. JDK 17's C2 does not vectorise off-heap loads, so for
 * cache-resident vectors the direct path runs at roughly a third of a vectorised array loop; once the vectors
 * stream from memory, as 10M-float models do, both are bandwidth-bound and close.) With one or two neighbours the heap update is one fused pass;
 * with more, the vector is processed in blocks of {@value #BLOCK} floats: the first pass over a block fuses self and
 * two neighbours, later passes add two neighbours at a time while the block of {@code self} is still in cache, so
 * memory is streamed once.
 *
 * <p>Elements [0, self.limit()) are mixed (absolute indices; position is ignored); every neighbour must have at
 * least that many elements, and no neighbour may be {@code self} itself.
 */
public final class MixingKernel {
    /** Floats per block (16 KiB): the self block and two neighbour blocks stay within L1/L2. */
    static final int BLOCK = 4096;

    private MixingKernel() {
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
        for (int j = 0; j < count; j++) {
            FloatBuffer nb = neighbours[j];
            if (nb.limit() < n) {
                throw new IllegalArgumentException("neighbour " + j + " has " + nb.limit()
                        + " elements, fewer than self's " + n);
            }
            arrays &= nb.hasArray();
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

    private static void mixArrays(FloatBuffer selfBuffer, float ws, FloatBuffer[] nb, float[] w, int count, int n) {
        float[] s = selfBuffer.array();
        int so = selfBuffer.arrayOffset();
        switch (count) {
            case 0 -> scale(s, so, ws, 0, n);
            case 1 -> fused1(s, so, ws, nb[0].array(), nb[0].arrayOffset(), w[0], 0, n);
            case 2 -> fused2(s, so, ws, nb[0].array(), nb[0].arrayOffset(), w[0],
                    nb[1].array(), nb[1].arrayOffset(), w[1], 0, n);
            default -> {
                for (int from = 0; from < n; from += BLOCK) {
                    int to = Math.min(n, from + BLOCK);
                    fused2(s, so, ws, nb[0].array(), nb[0].arrayOffset(), w[0],
                            nb[1].array(), nb[1].arrayOffset(), w[1], from, to);
                    int j = 2;
                    for (; j + 1 < count; j += 2) {
                        accumulate2(s, so, nb[j].array(), nb[j].arrayOffset(), w[j],
                                nb[j + 1].array(), nb[j + 1].arrayOffset(), w[j + 1], from, to);
                    }
                    if (j < count) {
                        accumulate1(s, so, nb[j].array(), nb[j].arrayOffset(), w[j], from, to);
                    }
                }
            }
        }
    }

    private static void scale(float[] s, int so, float ws, int from, int to) {
        for (int i = from; i < to; i++) {
            s[so + i] = ws * s[so + i];
        }
    }

    private static void fused1(float[] s, int so, float ws, float[] a, int ao, float wa, int from, int to) {
        for (int i = from; i < to; i++) {
            s[so + i] = ws * s[so + i] + wa * a[ao + i];
        }
    }

    private static void fused2(float[] s, int so, float ws, float[] a, int ao, float wa, float[] b, int bo, float wb,
                               int from, int to) {
        for (int i = from; i < to; i++) {
            s[so + i] = ws * s[so + i] + wa * a[ao + i] + wb * b[bo + i];
        }
    }

    private static void accumulate1(float[] s, int so, float[] a, int ao, float wa, int from, int to) {
        for (int i = from; i < to; i++) {
            s[so + i] = s[so + i] + wa * a[ao + i];
        }
    }

    private static void accumulate2(float[] s, int so, float[] a, int ao, float wa, float[] b, int bo, float wb,
                                    int from, int to) {
        for (int i = from; i < to; i++) {
            s[so + i] = s[so + i] + wa * a[ao + i] + wb * b[bo + i];
        }
    }

    // ---------------------------------------------------------------- direct (or mixed) buffers

    private static void mixBuffers(FloatBuffer s, float ws, FloatBuffer[] nb, float[] w, int count, int n) {
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
