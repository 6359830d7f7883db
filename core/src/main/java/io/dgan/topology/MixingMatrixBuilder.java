package io.dgan.topology;

import java.util.Map;
import java.util.TreeMap;

/**
 * Collects the weights of a mixing matrix row by row; {@link #build()} validates it. Weights set twice on the same
 * entry add up, which is how a 2-wide torus side gets 2/5 for the neighbour that is both "up" and "down".
 */
final class MixingMatrixBuilder {
    private final double[] self;
    private final TreeMap<Integer, Double>[] rows;

    @SuppressWarnings("unchecked")
    MixingMatrixBuilder(int workers) {
        if (workers < 1) {
            throw new IllegalArgumentException("workers must be at least 1, got " + workers);
        }
        self = new double[workers];
        rows = new TreeMap[workers];
        for (int i = 0; i < workers; i++) {
            rows[i] = new TreeMap<>();
        }
    }

    int workers() {
        return self.length;
    }

    MixingMatrixBuilder setSelf(int i, double w) {
        self[i] = w;
        return this;
    }

    /** Adds w to W_ij and to W_ji. */
    MixingMatrixBuilder addSymmetric(int i, int j, double w) {
        addDirected(i, j, w);
        addDirected(j, i, w);
        return this;
    }

    /** Adds w to W_ij only (the caller is responsible for W_ji; {@link #build()} checks). */
    MixingMatrixBuilder addDirected(int i, int j, double w) {
        if (i == j) {
            throw new IllegalArgumentException("use setSelf for the diagonal");
        }
        rows[i].merge(j, w, Double::sum);
        return this;
    }

    MixingMatrixBuilder setDirected(int i, int j, double w) {
        if (w == 0.0) {
            rows[i].remove(j);
        } else {
            rows[i].put(j, w);
        }
        return this;
    }

    /** Sum of the off-diagonal weights of row i so far. */
    double offDiagonalSum(int i) {
        double sum = 0.0;
        for (double w : rows[i].values()) {
            sum += w;
        }
        return sum;
    }

    int degree(int i) {
        return rows[i].size();
    }

    SparseMixingMatrix build() {
        int m = self.length;
        int[][] neighbours = new int[m][];
        double[][] weights = new double[m][];
        for (int i = 0; i < m; i++) {
            neighbours[i] = new int[rows[i].size()];
            weights[i] = new double[rows[i].size()];
            int k = 0;
            for (Map.Entry<Integer, Double> e : rows[i].entrySet()) {
                neighbours[i][k] = e.getKey();
                weights[i][k] = e.getValue();
                k++;
            }
        }
        return new SparseMixingMatrix(self.clone(), neighbours, weights);
    }
}
