package io.dgan.data;

import io.dgan.random.PortableGaussian;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Splits a dataset across M workers, identically on every worker for a given seed (each keeps its own part).
 * iid: a seeded permutation cut into M near-equal pieces. Non-iid (an extension, not in the paper): for each class,
 * proportions p ~ Dirichlet(α, …, α) over the workers decide how that class's examples are split; small α gives
 * each worker few classes, large α approaches iid.
 */
public final class Sharding {
    private Sharding() {
    }

    /** "iid" or "dirichlet:α" → a parsed spec; α > 0. */
    public record Spec(boolean iid, double alpha) {
        public static Spec parse(String text) {
            if (text.equals("iid")) {
                return new Spec(true, 0);
            }
            if (text.startsWith("dirichlet:")) {
                try {
                    double a = Double.parseDouble(text.substring("dirichlet:".length()));
                    if (a > 0) {
                        return new Spec(false, a);
                    }
                } catch (NumberFormatException ignored) {
                    // fall through to the error below
                }
            }
            throw new IllegalArgumentException("--shard: expected iid or dirichlet:<alpha > 0>, got '" + text + "'");
        }

        @Override
        public String toString() {
            return iid ? "iid" : "dirichlet:" + alpha;
        }
    }

    public static int[][] iid(int n, int workers, long seed) {
        int[] perm = permutation(n, new SplittableRandom(seed));
        int[][] shards = new int[workers][];
        for (int w = 0; w < workers; w++) {
            int from = (int) ((long) n * w / workers);
            int to = (int) ((long) n * (w + 1) / workers);
            shards[w] = java.util.Arrays.copyOfRange(perm, from, to);
        }
        return shards;
    }

    public static int[][] dirichlet(int[] labels, int classes, int workers, double alpha, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        List<List<Integer>> byClass = new ArrayList<>();
        for (int c = 0; c < classes; c++) {
            byClass.add(new ArrayList<>());
        }
        int[] perm = permutation(labels.length, rng);
        for (int i : perm) {
            byClass.get(labels[i]).add(i);
        }
        List<List<Integer>> shards = new ArrayList<>();
        for (int w = 0; w < workers; w++) {
            shards.add(new ArrayList<>());
        }
        for (List<Integer> members : byClass) {
            double[] p = sampleDirichlet(workers, alpha, rng);
            int n = members.size();
            int from = 0;
            double acc = 0;
            for (int w = 0; w < workers; w++) {
                acc += p[w];
                int to = w == workers - 1 ? n : (int) Math.round(acc * n);
                shards.get(w).addAll(members.subList(from, Math.max(from, to)));
                from = Math.max(from, to);
            }
        }
        int[][] out = new int[workers][];
        for (int w = 0; w < workers; w++) {
            out[w] = shards.get(w).stream().mapToInt(Integer::intValue).sorted().toArray();
            if (out[w].length == 0) {
                throw new IllegalArgumentException("--shard dirichlet:" + alpha + " left worker " + w
                        + " with no data (" + labels.length + " examples, " + workers + " workers): use a larger alpha");
            }
        }
        return out;
    }

    /** Dirichlet(α,…,α) in k dimensions: normalised Gamma(α, 1) draws. */
    public static double[] sampleDirichlet(int k, double alpha, SplittableRandom rng) {
        double[] g = new double[k];
        double sum = 0;
        for (int i = 0; i < k; i++) {
            g[i] = sampleGamma(alpha, rng);
            sum += g[i];
        }
        if (sum == 0) { // every draw underflowed (tiny α): all mass on one coordinate
            g[rng.nextInt(k)] = 1;
            sum = 1;
        }
        for (int i = 0; i < k; i++) {
            g[i] /= sum;
        }
        return g;
    }

    /** Marsaglia–Tsang; for α < 1 uses Gamma(α+1)·U^(1/α). */
    static double sampleGamma(double alpha, SplittableRandom rng) {
        if (alpha < 1) {
            return sampleGamma(alpha + 1, rng) * StrictMath.pow(rng.nextDouble(), 1 / alpha);
        }
        double d = alpha - 1.0 / 3;
        double c = 1 / Math.sqrt(9 * d);
        while (true) {
            double x = PortableGaussian.next(rng);
            double v = 1 + c * x;
            if (v <= 0) {
                continue;
            }
            v = v * v * v;
            double u = rng.nextDouble();
            if (StrictMath.log(u) < 0.5 * x * x + d - d * v + d * StrictMath.log(v)) {
                return d * v;
            }
        }
    }

    static int[] permutation(int n, SplittableRandom rng) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }
}
