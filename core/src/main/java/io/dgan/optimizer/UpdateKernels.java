package io.dgan.optimizer;

import java.nio.FloatBuffer;

/**
 * The optimizers' fused in-place loops over elements [0, limit). Each has two paths with the identical sequence of
 * float operations per element (so they give bit-identical results): plain arrays when every buffer is a heap
 * buffer at the same array offset (the JIT vectorises these; for differing offsets it cannot rule out overlap and
 * stays scalar), and absolute get/put otherwise (direct buffers such as DL4J's parameter views).
 */
final class UpdateKernels {
    private UpdateKernels() {
    }

    private static boolean sameArrays(FloatBuffer a, FloatBuffer b) {
        return a.hasArray() && b.hasArray() && a.arrayOffset() == b.arrayOffset();
    }

    private static boolean sameArrays(FloatBuffer a, FloatBuffer b, FloatBuffer c) {
        return sameArrays(a, b) && c.hasArray() && c.arrayOffset() == a.arrayOffset();
    }

    /** x += a · y. */
    static void axpy(FloatBuffer x, float a, FloatBuffer y) {
        int n = x.limit();
        if (sameArrays(x, y)) {
            float[] xa = x.array();
            float[] ya = y.array();
            int o = x.arrayOffset();
            for (int i = o; i < o + n; i++) {
                xa[i] = xa[i] + a * ya[i];
            }
        } else {
            for (int i = 0; i < n; i++) {
                x.put(i, x.get(i) + a * y.get(i));
            }
        }
    }

    /** dst = src. */
    static void copy(FloatBuffer src, FloatBuffer dst) {
        int n = src.limit();
        for (int i = 0; i < n; i++) {
            dst.put(i, src.get(i));
        }
    }

    /** The optimistic finish: x = x + η (d − g) (= x̂ − η g when x held z = x̂ − η d); then d = g. */
    static void optimisticFinish(FloatBuffer x, FloatBuffer g, FloatBuffer d, float eta) {
        int n = x.limit();
        if (sameArrays(x, g, d)) {
            float[] xa = x.array();
            float[] ga = g.array();
            float[] da = d.array();
            int o = x.arrayOffset();
            for (int i = o; i < o + n; i++) {
                float gi = ga[i];
                xa[i] = xa[i] + eta * (da[i] - gi);
                da[i] = gi;
            }
        } else {
            for (int i = 0; i < n; i++) {
                float gi = g.get(i);
                x.put(i, x.get(i) + eta * (d.get(i) - gi));
                d.put(i, gi);
            }
        }
    }

    /**
     * One Adam moment update and direction, fused with the optimistic finish:
     * m = β1 m + (1−β1) g; v = β2 v + (1−β2) g²; dNew = (m·c1) / (sqrt(v·c2) + eps);
     * if update: x = x + η (d − dNew); d = dNew. (c1, c2 are the bias corrections 1/(1−β^s).)
     */
    static void adam(FloatBuffer x, FloatBuffer g, FloatBuffer m, FloatBuffer v, FloatBuffer d, float b1, float b2,
                     float c1, float c2, float eps, float eta, boolean update) {
        adam(x, g, g, m, v, d, b1, b2, c1, c2, eps, eta, update);
    }

    /**
     * As {@link #adam(FloatBuffer, FloatBuffer, FloatBuffer, FloatBuffer, FloatBuffer, float, float, float, float,
     * float, float, boolean)}, with the second moment formed from {@code gv}: v = β2 v + (1−β2) gv².
     */
    static void adam(FloatBuffer x, FloatBuffer g, FloatBuffer gv, FloatBuffer m, FloatBuffer v, FloatBuffer d,
                     float b1, float b2, float c1, float c2, float eps, float eta, boolean update) {
        int n = x.limit();
        float a1 = 1f - b1;
        float a2 = 1f - b2;
        if (sameArrays(x, g, m) && sameArrays(x, v, d) && sameArrays(x, gv, gv)) {
            float[] xa = x.array();
            float[] ga = g.array();
            float[] gva = gv.array();
            float[] ma = m.array();
            float[] va = v.array();
            float[] da = d.array();
            int o = x.arrayOffset();
            if (update) {  // two loops rather than a branch inside one: the JIT vectorises only branch-free bodies
                for (int i = o; i < o + n; i++) {
                    float gi = ga[i];
                    float hi = gva[i];
                    float mi = b1 * ma[i] + a1 * gi;
                    float vi = b2 * va[i] + a2 * hi * hi;
                    float di = (mi * c1) / ((float) Math.sqrt(vi * c2) + eps);
                    ma[i] = mi;
                    va[i] = vi;
                    xa[i] = xa[i] + eta * (da[i] - di);
                    da[i] = di;
                }
            } else {
                for (int i = o; i < o + n; i++) {
                    float gi = ga[i];
                    float hi = gva[i];
                    float mi = b1 * ma[i] + a1 * gi;
                    float vi = b2 * va[i] + a2 * hi * hi;
                    ma[i] = mi;
                    va[i] = vi;
                    da[i] = (mi * c1) / ((float) Math.sqrt(vi * c2) + eps);
                }
            }
        } else {
            for (int i = 0; i < n; i++) {
                float gi = g.get(i);
                float hi = gv.get(i);
                float mi = b1 * m.get(i) + a1 * gi;
                float vi = b2 * v.get(i) + a2 * hi * hi;
                float di = (mi * c1) / ((float) Math.sqrt(vi * c2) + eps);
                m.put(i, mi);
                v.put(i, vi);
                if (update) {
                    x.put(i, x.get(i) + eta * (d.get(i) - di));
                }
                d.put(i, di);
            }
        }
    }
}
