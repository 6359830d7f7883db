package io.dgan.evaluation;

import io.dgan.topology.SymmetricEigensolver;

import java.util.SplittableRandom;

/**
 * Distances between two sets of feature vectors (rows): the Fréchet distance of Gaussians fitted to them (FID when
 * the features come from a classifier) and the kernel inception distance (KID: unbiased MMD² with the cubic
 * polynomial kernel k(x, y) = (xᵀy/d + 1)³, averaged over random subsets). All arithmetic in double.
 */
public final class FeatureStatistics {
    private FeatureStatistics() {
    }

    public static double[] mean(double[][] x) {
        int d = x[0].length;
        double[] mu = new double[d];
        for (double[] row : x) {
            for (int j = 0; j < d; j++) {
                mu[j] += row[j];
            }
        }
        for (int j = 0; j < d; j++) {
            mu[j] /= x.length;
        }
        return mu;
    }

    /** Sample covariance (divides by n − 1). */
    public static double[][] covariance(double[][] x, double[] mu) {
        int d = mu.length;
        double[][] c = new double[d][d];
        double[] centred = new double[d];
        for (double[] row : x) {
            for (int j = 0; j < d; j++) {
                centred[j] = row[j] - mu[j];
            }
            for (int a = 0; a < d; a++) {
                double ca = centred[a];
                for (int b = a; b < d; b++) {
                    c[a][b] += ca * centred[b];
                }
            }
        }
        for (int a = 0; a < d; a++) {
            for (int b = a; b < d; b++) {
                c[a][b] /= Math.max(1, x.length - 1);
                c[b][a] = c[a][b];
            }
        }
        return c;
    }

    /** ‖μ1 − μ2‖² + tr C1 + tr C2 − 2 tr (C1 C2)^½. */
    public static double frechetDistance(double[] mu1, double[][] c1, double[] mu2, double[][] c2) {
        int d = mu1.length;
        double dist = 0;
        for (int j = 0; j < d; j++) {
            dist += (mu1[j] - mu2[j]) * (mu1[j] - mu2[j]);
            dist += c1[j][j] + c2[j][j];
        }
        return dist - 2 * traceSqrtProduct(c1, c2);
    }

    public static double frechetDistance(double[][] x, double[][] y) {
        double[] mx = mean(x);
        double[] my = mean(y);
        return frechetDistance(mx, covariance(x, mx), my, covariance(y, my));
    }

    /**
     * tr (C1 C2)^½ without a matrix square root: with C1 = L Lᵀ (Cholesky), C1 C2 is similar to the symmetric
     * positive semi-definite Lᵀ C2 L, so the trace is Σ √λ over that matrix's eigenvalues. A tiny ridge keeps the
     * Cholesky factorisation defined for rank-deficient C1 (fewer samples than features).
     */
    static double traceSqrtProduct(double[][] c1, double[][] c2) {
        int d = c1.length;
        double trace = 0;
        for (int j = 0; j < d; j++) {
            trace += c1[j][j];
        }
        double ridge = 1e-10 * Math.max(trace / d, 1e-30);
        double[][] l = cholesky(c1, ridge);
        // M = Lᵀ C2 L
        double[][] c2l = new double[d][d];
        for (int i = 0; i < d; i++) {
            for (int k = 0; k < d; k++) {
                double v = c2[i][k];
                if (v == 0) {
                    continue;
                }
                for (int j = 0; j <= k; j++) {
                    c2l[i][j] += v * l[k][j];
                }
            }
        }
        double[][] m = new double[d][d];
        for (int a = 0; a < d; a++) {
            for (int b = 0; b <= a; b++) {
                double s = 0;
                for (int i = a; i < d; i++) { // L[i][a] = 0 for i < a
                    s += l[i][a] * c2l[i][b];
                }
                m[a][b] = s;
                m[b][a] = s;
            }
        }
        double sum = 0;
        for (double ev : SymmetricEigensolver.eigenvalues(m)) {
            sum += Math.sqrt(Math.max(0, ev));
        }
        return sum;
    }

    static double[][] cholesky(double[][] a, double ridge) {
        int d = a.length;
        double[][] l = new double[d][d];
        for (int i = 0; i < d; i++) {
            for (int j = 0; j <= i; j++) {
                double s = a[i][j] + (i == j ? ridge : 0);
                for (int k = 0; k < j; k++) {
                    s -= l[i][k] * l[j][k];
                }
                if (i == j) {
                    l[i][i] = Math.sqrt(Math.max(s, ridge));
                } else {
                    l[i][j] = s / l[j][j];
                }
            }
        }
        return l;
    }

    /** KID: mean over {@code subsets} random subsets of size m of the unbiased MMD² (cubic polynomial kernel). */
    public static double kernelDistance(double[][] x, double[][] y, int subsets, int subsetSize, long seed) {
        int m = Math.min(subsetSize, Math.min(x.length, y.length));
        if (m < 2) {
            throw new IllegalArgumentException("KID needs at least 2 samples per set, got " + m);
        }
        int d = x[0].length;
        SplittableRandom rng = new SplittableRandom(seed);
        double total = 0;
        for (int s = 0; s < subsets; s++) {
            double[][] a = subset(x, m, rng);
            double[][] b = subset(y, m, rng);
            double kxx = 0;
            double kyy = 0;
            double kxy = 0;
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < m; j++) {
                    if (i != j) {
                        kxx += kernel(a[i], a[j], d);
                        kyy += kernel(b[i], b[j], d);
                    }
                    kxy += kernel(a[i], b[j], d);
                }
            }
            total += kxx / (m * (m - 1.0)) + kyy / (m * (m - 1.0)) - 2 * kxy / ((double) m * m);
        }
        return total / subsets;
    }

    private static double kernel(double[] a, double[] b, int d) {
        double dot = 0;
        for (int k = 0; k < d; k++) {
            dot += a[k] * b[k];
        }
        double v = dot / d + 1;
        return v * v * v;
    }

    private static double[][] subset(double[][] x, int m, SplittableRandom rng) {
        int[] idx = new int[x.length];
        for (int i = 0; i < idx.length; i++) {
            idx[i] = i;
        }
        double[][] out = new double[m][];
        for (int i = 0; i < m; i++) {
            int j = i + rng.nextInt(idx.length - i);
            int t = idx[i];
            idx[i] = idx[j];
            idx[j] = t;
            out[i] = x[idx[i]];
        }
        return out;
    }

    /** Inception score exp(E_x KL(p(y|x) ‖ p(y))) from class probabilities (rows sum to 1). */
    public static double inceptionScore(double[][] probabilities) {
        int k = probabilities[0].length;
        double[] marginal = new double[k];
        for (double[] p : probabilities) {
            for (int j = 0; j < k; j++) {
                marginal[j] += p[j] / probabilities.length;
            }
        }
        double kl = 0;
        for (double[] p : probabilities) {
            for (int j = 0; j < k; j++) {
                if (p[j] > 0) {
                    kl += p[j] * (Math.log(p[j]) - Math.log(marginal[j]));
                }
            }
        }
        return Math.exp(kl / probabilities.length);
    }
}
