package io.dgan.testing;

import io.dgan.topology.MixingMatrix;
import io.dgan.topology.MixingSchedule;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.LongFunction;

/** Test-only mixing matrices, written independently of the topology package so the engine tests stand alone. */
public final class DenseMixing implements MixingMatrix {
    private final double[][] w;

    public DenseMixing(double[][] w) {
        this.w = w;
    }

    public static DenseMixing complete(int m) {
        double[][] w = new double[m][m];
        for (double[] row : w) {
            java.util.Arrays.fill(row, 1.0 / m);
        }
        return new DenseMixing(w);
    }

    /** Ring with 1/3 weights on the cyclic order {@code order} (M ≥ 3; M = 2 gives [[1/3, 2/3], [2/3, 1/3]]). */
    public static DenseMixing ring(int[] order) {
        int m = order.length;
        double[][] w = new double[m][m];
        if (m == 1) {
            w[0][0] = 1;
        } else if (m == 2) {
            w[0][0] = w[1][1] = 1.0 / 3;
            w[0][1] = w[1][0] = 2.0 / 3;
        } else {
            for (int k = 0; k < m; k++) {
                int i = order[k];
                int j = order[(k + 1) % m];
                w[i][i] = 1.0 / 3;
                w[i][j] = w[j][i] = 1.0 / 3;
            }
        }
        return new DenseMixing(w);
    }

    public static DenseMixing ring(int m) {
        int[] order = new int[m];
        for (int i = 0; i < m; i++) {
            order[i] = i;
        }
        return ring(order);
    }

    public static MixingSchedule fixed(String type, MixingMatrix w) {
        return schedule(type, w.workers(), 1, k -> w);
    }

    /** A fresh random ring every iteration, derived from (seed, k) only. */
    public static MixingSchedule randomRing(int m, long seed) {
        return schedule("random-ring", m, 0, k -> {
            List<Integer> perm = new ArrayList<>();
            for (int i = 0; i < m; i++) {
                perm.add(i);
            }
            java.util.Collections.shuffle(perm, new Random(seed + k));
            return ring(perm.stream().mapToInt(Integer::intValue).toArray());
        });
    }

    private static MixingSchedule schedule(String type, int m, int period, LongFunction<MixingMatrix> at) {
        return new MixingSchedule() {
            @Override
            public String type() {
                return type;
            }

            @Override
            public int workers() {
                return m;
            }

            @Override
            public MixingMatrix at(long iteration) {
                return at.apply(iteration);
            }

            @Override
            public int period() {
                return period;
            }
        };
    }

    @Override
    public int workers() {
        return w.length;
    }

    @Override
    public double weight(int i, int j) {
        return w[i][j];
    }

    @Override
    public int[] neighbours(int i) {
        List<Integer> nb = new ArrayList<>();
        for (int j = 0; j < w.length; j++) {
            if (j != i && w[i][j] > 0) {
                nb.add(j);
            }
        }
        return nb.stream().mapToInt(Integer::intValue).toArray();
    }

    @Override
    public double[][] toArray() {
        double[][] c = new double[w.length][];
        for (int i = 0; i < w.length; i++) {
            c[i] = w[i].clone();
        }
        return c;
    }
}
