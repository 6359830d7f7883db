package io.dgan.gossip;

import java.nio.FloatBuffer;
import java.util.List;

/**
 * The consensus distance (1/M) Σ_i ‖x_i − x̄‖² and the network average x̄, computed in double over all ranks'
 * blocks held in one process (the in-process runner reads every rank's live buffers at a barrier). For ranks in
 * separate processes use {@link ConsensusMonitor}, which gets the same quantity through all-reduce.
 */
public final class ConsensusDistance {
    private ConsensusDistance() {
    }

    /**
     * @param ranks ranks.get(i).get(b) is block b of rank i; each block read over [0, limit)
     * @return per block, the network average in double
     */
    public static double[][] average(List<List<FloatBuffer>> ranks) {
        int m = ranks.size();
        int blocks = ranks.get(0).size();
        double[][] avg = new double[blocks][];
        for (int b = 0; b < blocks; b++) {
            int n = ranks.get(0).get(b).limit();
            double[] a = new double[n];
            for (List<FloatBuffer> rank : ranks) {
                FloatBuffer x = rank.get(b);
                if (x.limit() != n) {
                    throw new IllegalArgumentException("block " + b + " has different lengths across ranks");
                }
                for (int k = 0; k < n; k++) {
                    a[k] += x.get(k);
                }
            }
            for (int k = 0; k < n; k++) {
                a[k] /= m;
            }
            avg[b] = a;
        }
        return avg;
    }

    /** (1/M) Σ_i Σ_b ‖x_{i,b} − x̄_b‖². */
    public static double distance(List<List<FloatBuffer>> ranks) {
        return distance(ranks, average(ranks));
    }

    /** As {@link #distance(List)} with the average already computed. */
    public static double distance(List<List<FloatBuffer>> ranks, double[][] average) {
        double total = 0;
        for (List<FloatBuffer> rank : ranks) {
            for (int b = 0; b < average.length; b++) {
                FloatBuffer x = rank.get(b);
                double[] a = average[b];
                for (int k = 0; k < a.length; k++) {
                    double d = x.get(k) - a[k];
                    total += d * d;
                }
            }
        }
        return total / ranks.size();
    }
}
