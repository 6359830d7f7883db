package io.dgan.topology;

/**
 * Ring: 1/3 on the diagonal and on each of the two neighbours i ± 1 (mod M).
 * M = 1 is [[1]] (no communication); M = 2 has one neighbour that is both i + 1 and i − 1, so its weights add:
 * [[1/3, 2/3], [2/3, 1/3]]; M = 3 is exact averaging.
 */
final class RingTopology {
    private static final double THIRD = 1.0 / 3.0;

    private RingTopology() {
    }

    static SparseMixingMatrix matrix(int workers) {
        MixingMatrixBuilder b = new MixingMatrixBuilder(workers);
        return ringOver(b, identity(workers));
    }

    /** The ring visiting the workers in the order given by {@code order} (a permutation of 0..M−1). */
    static SparseMixingMatrix ringOver(MixingMatrixBuilder b, int[] order) {
        int m = order.length;
        if (m == 1) {
            return b.setSelf(order[0], 1.0).build();
        }
        for (int p = 0; p < m; p++) {
            int i = order[p];
            b.setSelf(i, THIRD);
            // Each worker adds its "next" link in both directions, so every ring edge is added exactly once per
            // direction; for M = 2 the two links coincide and the weights add up to 2/3.
            int next = order[(p + 1) % m];
            b.addSymmetric(i, next, THIRD);
        }
        return b.build();
    }

    static int[] identity(int workers) {
        int[] order = new int[workers];
        for (int i = 0; i < workers; i++) {
            order[i] = i;
        }
        return order;
    }
}
