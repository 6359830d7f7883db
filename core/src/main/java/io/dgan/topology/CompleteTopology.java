package io.dgan.topology;

/** Complete graph with uniform weights 1/M: one gossip round is exact averaging. */
final class CompleteTopology {
    private CompleteTopology() {
    }

    static SparseMixingMatrix matrix(int workers) {
        double w = 1.0 / workers;
        MixingMatrixBuilder b = new MixingMatrixBuilder(workers);
        for (int i = 0; i < workers; i++) {
            b.setSelf(i, w);
            for (int j = 0; j < workers; j++) {
                if (j != i) {
                    b.setDirected(i, j, w);
                }
            }
        }
        return b.build();
    }
}
