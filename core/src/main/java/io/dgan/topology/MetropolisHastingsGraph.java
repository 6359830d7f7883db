package io.dgan.topology;

import java.util.List;

/**
 * A user-given undirected graph with Metropolis–Hastings weights W_ij = 1/(1 + max(d_i, d_j)) on its edges and the
 * rest of each row on the diagonal: symmetric and doubly stochastic for any graph, with no global coordination.
 * The graph must be connected; the error names its components otherwise.
 */
final class MetropolisHastingsGraph {
    private MetropolisHastingsGraph() {
    }

    static SparseMixingMatrix matrix(int workers, List<Edge> edges) {
        if (workers < 1) {
            throw new IllegalArgumentException("workers must be at least 1, got " + workers);
        }
        if (edges.isEmpty() && workers > 1) {
            throw new IllegalArgumentException("graph has no edges for " + workers + " workers; give --graph or --graph-file");
        }
        MixingMatrixBuilder adjacency = new MixingMatrixBuilder(workers);
        for (Edge e : edges) {
            if (e.b() >= workers) {
                throw new IllegalArgumentException("graph edge " + e + " is out of range for " + workers
                        + " workers (valid indices 0.." + (workers - 1) + ")");
            }
            // Duplicates (0-1 and 1-0) collapse to one edge.
            adjacency.setDirected(e.a(), e.b(), 1.0).setDirected(e.b(), e.a(), 1.0);
        }
        int[] degree = new int[workers];
        for (int i = 0; i < workers; i++) {
            degree[i] = adjacency.degree(i);
        }
        MixingMatrixBuilder b = new MixingMatrixBuilder(workers);
        for (Edge e : edges) {
            double w = 1.0 / (1 + Math.max(degree[e.a()], degree[e.b()]));
            b.setDirected(e.a(), e.b(), w).setDirected(e.b(), e.a(), w);
        }
        for (int i = 0; i < workers; i++) {
            b.setSelf(i, 1.0 - b.offDiagonalSum(i));
        }
        SparseMixingMatrix w = b.build();
        List<List<Integer>> components = Connectivity.components(w);
        if (components.size() > 1) {
            throw new IllegalArgumentException("graph is disconnected: " + components.size() + " components "
                    + Connectivity.describe(components));
        }
        return w;
    }
}
