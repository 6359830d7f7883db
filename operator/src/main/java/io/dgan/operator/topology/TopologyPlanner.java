package io.dgan.operator.topology;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.TreeSet;

/**
 * Builds the mixing matrix for a job: Metropolis-Hastings weights W_ij = 1/(1 + max(d_i, d_j)) on the graph of
 * the surviving ranks, the diagonal taking the rest. On the full regular graphs this is exactly the uniform
 * weighting of the design (ring 1/3, torus 1/5, hypercube 1/(log2 M + 1), complete 1/M); on a graph with a rank
 * removed it is still symmetric and doubly stochastic, which is why RewireAndReplace uses it.
 */
public final class TopologyPlanner {

    public TopologyPlan plan(String type, int workers, int gossipRounds, long seed, long epoch,
                             Collection<Integer> excluded) {
        TreeSet<Integer> out = new TreeSet<>(excluded);
        CommunicationGraph graph = CommunicationGraph.of(type, workers, seed);
        int[] degree = new int[workers];
        for (int i = 0; i < workers; i++) {
            if (out.contains(i)) continue;
            for (int j : graph.neighbours(i)) {
                if (!out.contains(j)) degree[i]++;
            }
        }
        double[][] w = new double[workers][workers];
        for (int i = 0; i < workers; i++) {
            if (out.contains(i)) {
                w[i][i] = 1.0;
                continue;
            }
            double offDiagonal = 0;
            for (int j : graph.neighbours(i)) {
                if (out.contains(j)) continue;
                w[i][j] = 1.0 / (1 + Math.max(degree[i], degree[j]));
                offDiagonal += w[i][j];
            }
            w[i][i] = 1.0 - offDiagonal;
        }
        List<Integer> survivors = new ArrayList<>();
        for (int i = 0; i < workers; i++) if (!out.contains(i)) survivors.add(i);
        boolean connected = isConnected(graph, survivors, out);
        double rho = survivors.size() <= 1 ? 0.0 : secondLargestModulus(w, survivors);
        if (!connected) rho = 1.0;
        return new TopologyPlan(type, workers, epoch, gossipRounds, seed, List.copyOf(out), w, rho, 1.0 - rho,
                connected);
    }

    private static boolean isConnected(CommunicationGraph graph, List<Integer> survivors, TreeSet<Integer> out) {
        if (survivors.isEmpty()) return false;
        TreeSet<Integer> seen = new TreeSet<>();
        List<Integer> stack = new ArrayList<>(List.of(survivors.get(0)));
        while (!stack.isEmpty()) {
            int i = stack.remove(stack.size() - 1);
            if (!seen.add(i)) continue;
            for (int j : graph.neighbours(i)) if (!out.contains(j) && !seen.contains(j)) stack.add(j);
        }
        return seen.size() == survivors.size();
    }

    /** rho = max(|lambda_2|, |lambda_n|) of W restricted to the survivors, by cyclic Jacobi rotations. */
    static double secondLargestModulus(double[][] w, List<Integer> survivors) {
        int n = survivors.size();
        double[][] a = new double[n][n];
        for (int i = 0; i < n; i++) for (int j = 0; j < n; j++) a[i][j] = w[survivors.get(i)][survivors.get(j)];
        double[] eig = SymmetricEigen.eigenvalues(a);
        // The largest eigenvalue of a doubly stochastic W is 1 (the consensus direction); drop it.
        java.util.Arrays.sort(eig);
        double rho = 0;
        for (int k = 0; k < n - 1; k++) rho = Math.max(rho, Math.abs(eig[k]));
        return Math.min(1.0, rho);
    }
}
