package io.dgan.gossip;

import java.nio.FloatBuffer;

/**
 * The arithmetic of one gossip round, in place: {@code self ← w_self·self + Σ_j w_j·neighbour_j}.
 * Neighbours are summed in the order given (ascending rank), so the result is bit-reproducible whatever order the
 * messages arrived in. Allocates nothing.
 *
 * <p>Reference implementation; the topology/gossip work replaces the body with a fused, blocked kernel.
 */
public final class MixingKernel {
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
        for (int i = 0; i < n; i++) {
            float acc = selfWeight * self.get(i);
            for (int j = 0; j < count; j++) {
                acc += weights[j] * neighbours[j].get(i);
            }
            self.put(i, acc);
        }
    }
}
