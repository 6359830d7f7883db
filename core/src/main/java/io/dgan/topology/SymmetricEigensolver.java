package io.dgan.topology;

import java.util.Arrays;

/**
 * Eigenvalues of a real symmetric matrix: Householder reduction to tridiagonal form, then the implicit QL method
 * with Wilkinson-style shifts (the classical tred/tqli pair, eigenvalues only). O(n³), no dependencies.
 */
public final class SymmetricEigensolver {
    private static final int MAX_ITERATIONS_PER_EIGENVALUE = 60;

    private SymmetricEigensolver() {
    }

    /** Eigenvalues in descending order. The input is not modified; only its lower triangle is read. */
    public static double[] eigenvalues(double[][] symmetric) {
        int n = symmetric.length;
        double[][] a = new double[n][];
        for (int i = 0; i < n; i++) {
            if (symmetric[i].length != n) {
                throw new IllegalArgumentException("matrix must be square; row " + i + " has " + symmetric[i].length);
            }
            a[i] = symmetric[i].clone();
            for (int j = 0; j <= i; j++) {
                if (!Double.isFinite(a[i][j])) {
                    throw new IllegalArgumentException("matrix entry [" + i + "][" + j + "] is " + a[i][j]
                            + "; eigenvalues need finite entries");
                }
                a[j][i] = a[i][j];
            }
        }
        double[] diagonal = new double[n];
        double[] offDiagonal = new double[n];
        tridiagonalise(a, diagonal, offDiagonal);
        implicitQl(diagonal, offDiagonal);
        Arrays.sort(diagonal);
        for (int i = 0, j = n - 1; i < j; i++, j--) {
            double t = diagonal[i];
            diagonal[i] = diagonal[j];
            diagonal[j] = t;
        }
        return diagonal;
    }

    /**
     * Householder: for column k, reflect rows/columns k+1.. so that column k is zero below the subdiagonal.
     * Leaves d[i] = T_ii and e[i] = T_{i+1,i} (e[n−1] = 0).
     */
    private static void tridiagonalise(double[][] a, double[] d, double[] e) {
        int n = a.length;
        double[] v = new double[n];
        double[] p = new double[n];
        for (int k = 0; k < n - 2; k++) {
            double norm = 0.0;
            for (int i = k + 1; i < n; i++) {
                norm = Math.hypot(norm, a[i][k]);
            }
            if (norm == 0.0) {
                continue;
            }
            double alpha = a[k + 1][k] > 0 ? -norm : norm;
            // v = x − alpha·e1, normalised; H = I − 2vvᵀ maps x to alpha·e1.
            double vNorm2 = 0.0;
            for (int i = k + 1; i < n; i++) {
                v[i] = a[i][k];
            }
            v[k + 1] -= alpha;
            for (int i = k + 1; i < n; i++) {
                vNorm2 += v[i] * v[i];
            }
            if (vNorm2 == 0.0) {
                continue;
            }
            double inv = 1.0 / Math.sqrt(vNorm2);
            for (int i = k + 1; i < n; i++) {
                v[i] *= inv;
            }
            // A22 ← H A22 H = A22 − 2(v qᵀ + q vᵀ), p = A22 v, q = p − (vᵀp) v.
            double vp = 0.0;
            for (int i = k + 1; i < n; i++) {
                double s = 0.0;
                for (int j = k + 1; j < n; j++) {
                    s += a[i][j] * v[j];
                }
                p[i] = s;
                vp += v[i] * s;
            }
            for (int i = k + 1; i < n; i++) {
                p[i] -= vp * v[i];
            }
            for (int i = k + 1; i < n; i++) {
                for (int j = k + 1; j < n; j++) {
                    a[i][j] -= 2.0 * (v[i] * p[j] + p[i] * v[j]);
                }
            }
            a[k + 1][k] = alpha;
            a[k][k + 1] = alpha;
            for (int i = k + 2; i < n; i++) {
                a[i][k] = 0.0;
                a[k][i] = 0.0;
            }
        }
        for (int i = 0; i < n; i++) {
            d[i] = a[i][i];
            e[i] = i + 1 < n ? a[i + 1][i] : 0.0;
        }
    }

    /** Implicit QL on the tridiagonal (d, e); d receives the eigenvalues, e is destroyed. */
    private static void implicitQl(double[] d, double[] e) {
        int n = d.length;
        // Deflate when an off-diagonal is negligible next to its diagonal neighbours (the classical test) or next to
        // the whole matrix: the second test perturbs eigenvalues by at most ε‖T‖, which is all a backward-stable
        // solver promises anyway, and it stops QL from chasing e ≈ 1e-30 between two ~0 diagonals forever (the
        // rank-deficient covariance products of FID with fewer samples than features did exactly that).
        double norm = 0;
        for (int i = 0; i < n; i++) {
            norm = Math.max(norm, Math.abs(d[i]) + Math.abs(e[i]) + (i > 0 ? Math.abs(e[i - 1]) : 0));
        }
        double absoluteTolerance = 0x1p-52 * norm;
        for (int l = 0; l < n; l++) {
            int iterations = 0;
            int m;
            do {
                for (m = l; m < n - 1; m++) {
                    double dd = Math.abs(d[m]) + Math.abs(d[m + 1]);
                    if (Math.abs(e[m]) + dd == dd || Math.abs(e[m]) <= absoluteTolerance) {
                        break;
                    }
                }
                if (m != l) {
                    if (iterations++ == MAX_ITERATIONS_PER_EIGENVALUE) {
                        throw new ArithmeticException("implicit QL did not converge");
                    }
                    double g = (d[l + 1] - d[l]) / (2.0 * e[l]);
                    double r = Math.hypot(g, 1.0);
                    g = d[m] - d[l] + e[l] / (g + Math.copySign(r, g));
                    double s = 1.0;
                    double c = 1.0;
                    double p = 0.0;
                    int i;
                    boolean underflow = false;
                    for (i = m - 1; i >= l; i--) {
                        double f = s * e[i];
                        double b = c * e[i];
                        r = Math.hypot(f, g);
                        e[i + 1] = r;
                        if (r == 0.0) {
                            // Recover from underflow: deflate and restart this eigenvalue.
                            d[i + 1] -= p;
                            e[m] = 0.0;
                            underflow = true;
                            break;
                        }
                        s = f / r;
                        c = g / r;
                        g = d[i + 1] - p;
                        r = (d[i] - g) * s + 2.0 * c * b;
                        p = s * r;
                        d[i + 1] = g + p;
                        g = c * r - b;
                    }
                    if (underflow) {
                        continue;
                    }
                    d[l] -= p;
                    e[l] = g;
                    e[m] = 0.0;
                }
            } while (m != l);
        }
    }

    /** Largest singular value of a (not necessarily symmetric) square matrix: √λ_max(AᵀA). */
    public static double largestSingularValue(double[][] a) {
        int n = a.length;
        double[][] ata = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int k = 0; k < n; k++) {
                double aki = a[k][i];
                if (aki == 0.0) {
                    continue;
                }
                for (int j = 0; j <= i; j++) {
                    ata[i][j] += aki * a[k][j];
                }
            }
        }
        if (n == 0) {
            return 0.0;
        }
        return Math.sqrt(Math.max(0.0, eigenvalues(ata)[0]));
    }
}
