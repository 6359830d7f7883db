package io.dgan.topology;

import java.util.TreeSet;

/**
 * Static exponential graph, made symmetric: the neighbours of i are i ± 2^k (mod M) for every 2^k < M. The graph is
 * a circulant, so every worker has the same degree and uniform weights 1/(degree + 1) are doubly stochastic.
 */
final class ExponentialTopology {
    private ExponentialTopology() {
    }

    static SparseMixingMatrix matrix(int workers) {
        TreeSet<Integer> offsets = new TreeSet<>();
        for (long hop = 1; hop < workers; hop <<= 1) {
            offsets.add((int) (hop % workers));
            offsets.add((int) ((workers - hop) % workers));
        }
        offsets.remove(0);
        double w = 1.0 / (offsets.size() + 1);
        MixingMatrixBuilder b = new MixingMatrixBuilder(workers);
        for (int i = 0; i < workers; i++) {
            b.setSelf(i, w);
            for (int offset : offsets) {
                b.setDirected(i, (i + offset) % workers, w);
            }
        }
        return b.build();
    }
}
