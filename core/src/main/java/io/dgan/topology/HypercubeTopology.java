package io.dgan.topology;

/** Hypercube on M = 2^d workers: neighbours i xor 2^b for b < d, weight 1/(d+1) each and on the diagonal. */
final class HypercubeTopology {
    private HypercubeTopology() {
    }

    static SparseMixingMatrix matrix(int workers) {
        int d = dimension(workers, "hypercube");
        double w = 1.0 / (d + 1);
        MixingMatrixBuilder b = new MixingMatrixBuilder(workers);
        for (int i = 0; i < workers; i++) {
            b.setSelf(i, w);
            for (int bit = 0; bit < d; bit++) {
                int j = i ^ (1 << bit);
                b.setDirected(i, j, w);
            }
        }
        return b.build();
    }

    /** log2 M, or an error naming the topology when M is not a power of two. */
    static int dimension(int workers, String typeName) {
        if (workers < 1 || Integer.bitCount(workers) != 1) {
            throw new IllegalArgumentException(typeName + " needs a power of two workers, got " + workers);
        }
        return Integer.numberOfTrailingZeros(workers);
    }
}
