package io.dgan.games;

import java.util.Random;

/** The few dense double-precision routines the games need (row-major d×d matrices). */
final class LinearAlgebra {
    private LinearAlgebra() {
    }

    static double[][] gaussian(int rows, int cols, double scale, Random rnd) {
        double[][] a = new double[rows][cols];
        for (double[] row : a) {
            for (int j = 0; j < cols; j++) {
                row[j] = scale * rnd.nextGaussian();
            }
        }
        return a;
    }

    /** A random orthogonal d×d matrix: modified Gram–Schmidt on the columns of a Gaussian matrix. */
    static double[][] randomOrthogonal(int d, Random rnd) {
        double[][] g = gaussian(d, d, 1, rnd);
        double[][] q = new double[d][d];
        for (int c = 0; c < d; c++) {
            double[] v = new double[d];
            for (int r = 0; r < d; r++) {
                v[r] = g[r][c];
            }
            for (int p = 0; p < c; p++) {
                double dot = 0;
                for (int r = 0; r < d; r++) {
                    dot += q[r][p] * v[r];
                }
                for (int r = 0; r < d; r++) {
                    v[r] -= dot * q[r][p];
                }
            }
            double norm = 0;
            for (double x : v) {
                norm += x * x;
            }
            norm = Math.sqrt(norm);
            for (int r = 0; r < d; r++) {
                q[r][c] = v[r] / norm;
            }
        }
        return q;
    }

    /** U diag(s) Vᵀ. */
    static double[][] fromSvd(double[][] u, double[] s, double[][] v) {
        int d = s.length;
        double[][] a = new double[d][d];
        for (int i = 0; i < d; i++) {
            for (int j = 0; j < d; j++) {
                double acc = 0;
                for (int k = 0; k < d; k++) {
                    acc += u[i][k] * s[k] * v[j][k];
                }
                a[i][j] = acc;
            }
        }
        return a;
    }

    /** d values spread evenly over [lo, hi] (the midpoint for d = 1). */
    static double[] spread(int d, double lo, double hi) {
        double[] s = new double[d];
        for (int i = 0; i < d; i++) {
            s[i] = d == 1 ? (lo + hi) / 2 : lo + (hi - lo) * i / (d - 1);
        }
        return s;
    }

    /** Subtracts the mean over the first index so that the perturbations sum to zero (up to double rounding). */
    static void center(double[][][] perturbations) {
        int m = perturbations.length;
        int rows = perturbations[0].length;
        int cols = perturbations[0][0].length;
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                double mean = 0;
                for (double[][] p : perturbations) {
                    mean += p[r][c];
                }
                mean /= m;
                for (double[][] p : perturbations) {
                    p[r][c] -= mean;
                }
            }
        }
    }

    static double[] multiply(double[][] a, double[] x) {
        double[] y = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            double acc = 0;
            for (int j = 0; j < x.length; j++) {
                acc += a[i][j] * x[j];
            }
            y[i] = acc;
        }
        return y;
    }

    static double[] multiplyTransposed(double[][] a, double[] x) {
        double[] y = new double[a[0].length];
        for (int i = 0; i < a.length; i++) {
            for (int j = 0; j < y.length; j++) {
                y[j] += a[i][j] * x[i];
            }
        }
        return y;
    }

    static double squaredNorm(double[] x) {
        double s = 0;
        for (double v : x) {
            s += v * v;
        }
        return s;
    }

    /** Row-major float copy, the form the oracles use in their inner loops. */
    static float[] toFloats(double[][] a) {
        int cols = a[0].length;
        float[] f = new float[a.length * cols];
        for (int i = 0; i < a.length; i++) {
            for (int j = 0; j < cols; j++) {
                f[i * cols + j] = (float) a[i][j];
            }
        }
        return f;
    }

    /** A seed for the stream of (seed, a, b): SplitMix64 finalizer over a simple combination. */
    static long mixSeed(long seed, long a, long b) {
        long z = seed * 0x9E3779B97F4A7C15L + a * 0xBF58476D1CE4E5B9L + b * 0x94D049BB133111EBL;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
