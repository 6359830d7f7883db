package io.dgan.operator.topology;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;

/**
 * The undirected communication graph of a topology type on M workers (the first iteration's graph for a
 * schedule). Adjacency sets are sorted so that every consumer sees neighbours in the same order.
 */
public final class CommunicationGraph {
    private final List<TreeSet<Integer>> adjacency;

    private CommunicationGraph(int workers) {
        adjacency = new ArrayList<>(workers);
        for (int i = 0; i < workers; i++) {
            adjacency.add(new TreeSet<>());
        }
    }

    public int workers() {
        return adjacency.size();
    }

    public TreeSet<Integer> neighbours(int i) {
        return adjacency.get(i);
    }

    private void connect(int i, int j) {
        if (i != j) {
            adjacency.get(i).add(j);
            adjacency.get(j).add(i);
        }
    }

    /** The graph of {@code type} (a CRD topology type name) on {@code workers} nodes. */
    public static CommunicationGraph of(String type, int workers, long seed) {
        CommunicationGraph g = new CommunicationGraph(workers);
        switch (type) {
            case "Ring" -> {
                for (int i = 0; i < workers; i++) g.connect(i, (i + 1) % workers);
            }
            case "Torus" -> {
                int[] rc = torusShape(workers);
                int rows = rc[0], cols = rc[1];
                for (int r = 0; r < rows; r++) {
                    for (int c = 0; c < cols; c++) {
                        int i = r * cols + c;
                        g.connect(i, r * cols + (c + 1) % cols);
                        g.connect(i, ((r + 1) % rows) * cols + c);
                    }
                }
            }
            case "Hypercube" -> {
                requirePowerOfTwo(workers, type);
                for (int i = 0; i < workers; i++) {
                    for (int bit = 1; bit < workers; bit <<= 1) g.connect(i, i ^ bit);
                }
            }
            case "Exponential" -> {
                for (int i = 0; i < workers; i++) {
                    for (int hop = 1; hop < workers; hop <<= 1) g.connect(i, (i + hop) % workers);
                }
            }
            case "Complete" -> {
                for (int i = 0; i < workers; i++) {
                    for (int j = i + 1; j < workers; j++) g.connect(i, j);
                }
            }
            case "OnePeerHypercube" -> {
                requirePowerOfTwo(workers, type);
                for (int i = 0; i < workers && workers > 1; i++) g.connect(i, i ^ 1);
            }
            case "RandomRing" -> {
                int[] order = permutation(workers, seed + 1);
                for (int k = 0; k < workers; k++) g.connect(order[k], order[(k + 1) % workers]);
            }
            case "RandomMatching" -> {
                int[] order = permutation(workers, seed + 1);
                for (int k = 0; k + 1 < workers; k += 2) g.connect(order[k], order[k + 1]);
            }
            default -> throw new IllegalArgumentException("unknown topology type '" + type + "'");
        }
        return g;
    }

    /** rows x cols with rows the largest divisor <= sqrt(M); both must be at least 3 for a proper 4-regular torus. */
    public static int[] torusShape(int workers) {
        int rows = (int) Math.floor(Math.sqrt(workers));
        while (rows > 1 && workers % rows != 0) rows--;
        int cols = workers / rows;
        if (rows < 3 || cols < 3) {
            throw new IllegalArgumentException("Torus needs workers = rows x cols with rows, cols >= 3, got " + workers);
        }
        return new int[] {rows, cols};
    }

    static void requirePowerOfTwo(int workers, String type) {
        if (workers < 1 || Integer.bitCount(workers) != 1) {
            throw new IllegalArgumentException(type + " needs a power-of-two number of workers, got " + workers);
        }
    }

    private static int[] permutation(int n, long seed) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) p[i] = i;
        Random random = new Random(seed);
        for (int i = n - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }
}
