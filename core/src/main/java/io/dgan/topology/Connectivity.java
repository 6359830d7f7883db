package io.dgan.topology;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.stream.Collectors;

/** Connected components of the graph of one mixing matrix or of the union of several. */
public final class Connectivity {
    private Connectivity() {
    }

    public static boolean isConnected(MixingMatrix w) {
        return components(List.of(w)).size() == 1;
    }

    /** Components of the graph of W (edges where W_ij > 0), each listed ascending, ordered by smallest member. */
    public static List<List<Integer>> components(MixingMatrix w) {
        return components(List.of(w));
    }

    /** Components of the union of the graphs of the given matrices (all of the same size). */
    public static List<List<Integer>> components(Collection<? extends MixingMatrix> matrices) {
        int m = matrices.iterator().next().workers();
        int[] parent = new int[m];
        for (int i = 0; i < m; i++) {
            parent[i] = i;
        }
        for (MixingMatrix w : matrices) {
            if (w.workers() != m) {
                throw new IllegalArgumentException("matrices of different sizes: " + m + " and " + w.workers());
            }
            for (int i = 0; i < m; i++) {
                for (int j : w.neighbours(i)) {
                    union(parent, i, j);
                }
            }
        }
        List<List<Integer>> byRoot = new ArrayList<>();
        int[] slot = new int[m];
        java.util.Arrays.fill(slot, -1);
        for (int i = 0; i < m; i++) {
            int root = find(parent, i);
            if (slot[root] < 0) {
                slot[root] = byRoot.size();
                byRoot.add(new ArrayList<>());
            }
            byRoot.get(slot[root]).add(i);
        }
        return byRoot;
    }

    /** "{0,1} {2,3}", truncated after a few components so that an error message stays one line. */
    public static String describe(List<List<Integer>> components) {
        String shown = components.stream().limit(6)
                .map(c -> c.stream().limit(12).map(String::valueOf).collect(Collectors.joining(",", "{",
                        c.size() > 12 ? ",...}" : "}")))
                .collect(Collectors.joining(" "));
        return components.size() > 6 ? shown + " ..." : shown;
    }

    private static int find(int[] parent, int i) {
        while (parent[i] != i) {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        return i;
    }

    private static void union(int[] parent, int a, int b) {
        int ra = find(parent, a);
        int rb = find(parent, b);
        if (ra != rb) {
            parent[Math.max(ra, rb)] = Math.min(ra, rb);
        }
    }
}
