package io.dgan.topology;

import java.util.Arrays;

/**
 * An immutable mixing matrix stored by rows: the diagonal plus, for each worker, its neighbours (ascending) and
 * their weights. Memory is O(M + edges), so a schedule can derive a fresh W every iteration for large M.
 *
 * <p>Every instance is validated on construction: weights non-negative, W symmetric and every row summing to 1
 * within {@link #TOLERANCE} (symmetric + row-stochastic = doubly stochastic). Connectivity is a property of the
 * topology, not of one W (a one-peer round is disconnected on purpose), so it is checked by the factory.
 */
public final class SparseMixingMatrix implements MixingMatrix {
    /** Tolerance of the symmetry and stochasticity checks. */
    public static final double TOLERANCE = 1e-9;

    private final double[] self;
    private final int[][] neighbours;
    private final double[][] neighbourWeights;

    SparseMixingMatrix(double[] self, int[][] neighbours, double[][] neighbourWeights) {
        this.self = self;
        this.neighbours = neighbours;
        this.neighbourWeights = neighbourWeights;
        validate();
    }

    /** Builds and validates W from a dense array (e.g. the weights of a topology.json). */
    public static SparseMixingMatrix fromArray(double[][] w) {
        int m = w.length;
        if (m < 1) {
            throw new IllegalArgumentException("mixing matrix must have at least one worker");
        }
        MixingMatrixBuilder builder = new MixingMatrixBuilder(m);
        for (int i = 0; i < m; i++) {
            if (w[i] == null || w[i].length != m) {
                throw new IllegalArgumentException("mixing matrix row " + i + " must have " + m + " entries");
            }
            for (int j = 0; j < m; j++) {
                if (i == j) {
                    builder.setSelf(i, w[i][i]);
                } else {
                    builder.setDirected(i, j, w[i][j]);
                }
            }
        }
        return builder.build();
    }

    /**
     * Builds and validates W from its sparse rows: {@code entries[i]} alternates column and weight-table index,
     * {@code j0, k0, j1, k1, ...}, one pair per non-zero W_ij (the diagonal included, as j = i), with
     * W_ij = {@code values[k]}. This is the {@code sparseWeights} of a topology.json (docs/worker-contract.md):
     * Metropolis–Hastings weights take few distinct values, so a row costs a few bytes per neighbour.
     */
    public static SparseMixingMatrix fromSparseRows(double[] values, int[][] entries) {
        int m = entries.length;
        if (m < 1) {
            throw new IllegalArgumentException("mixing matrix must have at least one worker");
        }
        MixingMatrixBuilder builder = new MixingMatrixBuilder(m);
        for (int i = 0; i < m; i++) {
            int[] row = entries[i];
            if (row == null || row.length % 2 != 0) {
                throw new IllegalArgumentException("sparse row " + i + " must hold (column, value index) pairs");
            }
            for (int p = 0; p < row.length; p += 2) {
                int j = row[p];
                int k = row[p + 1];
                if (j < 0 || j >= m) {
                    throw new IllegalArgumentException("sparse row " + i + ": column " + j + " is not a rank of 0.." + (m - 1));
                }
                if (k < 0 || k >= values.length) {
                    throw new IllegalArgumentException("sparse row " + i + ": value index " + k + " is not in 0.."
                            + (values.length - 1));
                }
                if (i == j) {
                    builder.setSelf(i, values[k]);
                } else {
                    builder.setDirected(i, j, values[k]);
                }
            }
        }
        return builder.build();
    }

    /** The diagonal W_ii. */
    public double selfWeight(int i) {
        checkIndex(i);
        return self[i];
    }

    @Override
    public int workers() {
        return self.length;
    }

    @Override
    public double weight(int i, int j) {
        checkIndex(i);
        checkIndex(j);
        if (i == j) {
            return self[i];
        }
        int at = Arrays.binarySearch(neighbours[i], j);
        return at >= 0 ? neighbourWeights[i][at] : 0.0;
    }

    @Override
    public int[] neighbours(int i) {
        checkIndex(i);
        return neighbours[i];
    }

    /** W_ij for the neighbours of i, in the order of {@link #neighbours(int)}. The array must not be modified. */
    public double[] neighbourWeights(int i) {
        checkIndex(i);
        return neighbourWeights[i];
    }

    @Override
    public double[][] toArray() {
        int m = self.length;
        double[][] dense = new double[m][m];
        for (int i = 0; i < m; i++) {
            dense[i][i] = self[i];
            for (int k = 0; k < neighbours[i].length; k++) {
                dense[i][neighbours[i][k]] = neighbourWeights[i][k];
            }
        }
        return dense;
    }

    /** The largest number of neighbours any worker has. */
    public int maxDegree() {
        int max = 0;
        for (int[] row : neighbours) {
            max = Math.max(max, row.length);
        }
        return max;
    }

    private void checkIndex(int i) {
        if (i < 0 || i >= self.length) {
            throw new IndexOutOfBoundsException("worker " + i + " out of range 0.." + (self.length - 1));
        }
    }

    private void validate() {
        int m = self.length;
        for (int i = 0; i < m; i++) {
            if (!(self[i] >= 0.0) || self[i] > 1.0 + TOLERANCE) {
                throw new IllegalArgumentException("W[" + i + "][" + i + "] = " + self[i] + " is not in [0, 1]");
            }
            double rowSum = self[i];
            for (int k = 0; k < neighbours[i].length; k++) {
                int j = neighbours[i][k];
                double wij = neighbourWeights[i][k];
                if (!(wij > 0.0) || wij > 1.0 + TOLERANCE) {
                    throw new IllegalArgumentException("W[" + i + "][" + j + "] = " + wij + " is not in (0, 1]");
                }
                double wji = weight(j, i);
                if (Math.abs(wij - wji) > TOLERANCE) {
                    throw new IllegalArgumentException("mixing matrix is not symmetric: W[" + i + "][" + j + "] = "
                            + wij + " but W[" + j + "][" + i + "] = " + wji);
                }
                rowSum += wij;
            }
            if (Math.abs(rowSum - 1.0) > TOLERANCE) {
                throw new IllegalArgumentException("mixing matrix is not doubly stochastic: row " + i
                        + " sums to " + rowSum);
            }
        }
    }
}
