package io.dgan.topology;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class SymmetricEigensolverTest {
    /** Q·diag(λ)·Qᵀ with Q a product of random Householder reflections: eigenvalues known by construction. */
    private static double[][] withEigenvalues(double[] lambda, Random rnd) {
        int n = lambda.length;
        double[][] a = new double[n][n];
        for (int i = 0; i < n; i++) {
            a[i][i] = lambda[i];
        }
        for (int r = 0; r < 3; r++) {
            double[] v = new double[n];
            double norm = 0;
            for (int i = 0; i < n; i++) {
                v[i] = rnd.nextGaussian();
                norm += v[i] * v[i];
            }
            norm = Math.sqrt(norm);
            for (int i = 0; i < n; i++) {
                v[i] /= norm;
            }
            // a ← H a H, H = I − 2vvᵀ
            double[][] h = new double[n][n];
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < n; j++) {
                    h[i][j] = (i == j ? 1 : 0) - 2 * v[i] * v[j];
                }
            }
            a = multiply(multiply(h, a), h);
        }
        return a;
    }

    private static double[][] multiply(double[][] x, double[][] y) {
        int n = x.length;
        double[][] z = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int k = 0; k < n; k++) {
                for (int j = 0; j < n; j++) {
                    z[i][j] += x[i][k] * y[k][j];
                }
            }
        }
        return z;
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 5, 10, 31, 64})
    void recoversKnownEigenvalues(int n) {
        Random rnd = new Random(n);
        double[] lambda = new double[n];
        for (int i = 0; i < n; i++) {
            // Include repeated eigenvalues, which stress the deflation.
            lambda[i] = i % 4 == 3 ? lambda[i - 1] : rnd.nextDouble() * 4 - 2;
        }
        double[] expected = lambda.clone();
        Arrays.sort(expected);
        double[] actual = SymmetricEigensolver.eigenvalues(withEigenvalues(lambda, rnd));
        for (int i = 0; i < n; i++) {
            assertThat(actual[i]).isCloseTo(expected[n - 1 - i], within(1e-10));
        }
    }

    @Test
    void diagonalAndZeroMatrices() {
        assertThat(SymmetricEigensolver.eigenvalues(new double[][] {{3, 0, 0}, {0, -1, 0}, {0, 0, 2}}))
                .containsExactly(3.0, 2.0, -1.0);
        assertThat(SymmetricEigensolver.eigenvalues(new double[3][3])).containsExactly(0.0, 0.0, 0.0);
        assertThat(SymmetricEigensolver.eigenvalues(new double[0][0])).isEmpty();
    }

    @Test
    void twoByTwoClosedForm() {
        // [[a, b], [b, c]]: (a + c)/2 ± sqrt(((a − c)/2)² + b²)
        double[] l = SymmetricEigensolver.eigenvalues(new double[][] {{2, 1}, {1, -1}});
        double mid = 0.5;
        double rad = Math.sqrt(1.5 * 1.5 + 1);
        assertThat(l[0]).isCloseTo(mid + rad, within(1e-14));
        assertThat(l[1]).isCloseTo(mid - rad, within(1e-14));
    }

    @Test
    void largestSingularValueOfANonSymmetricMatrix() {
        // [[0, 3], [0, 0]] has singular values 3 and 0 although both eigenvalues are 0.
        assertThat(SymmetricEigensolver.largestSingularValue(new double[][] {{0, 3}, {0, 0}})).isCloseTo(3.0, within(1e-14));
        // A rotation scaled by 2: every singular value is 2.
        double c = Math.cos(0.7);
        double s = Math.sin(0.7);
        assertThat(SymmetricEigensolver.largestSingularValue(new double[][] {{2 * c, -2 * s}, {2 * s, 2 * c}}))
                .isCloseTo(2.0, within(1e-12));
    }

    /**
     * Rank-deficient positive semi-definite matrices of the kind FID builds (Lᵀ C L from covariances of fewer samples
     * than features, entries spanning many orders of magnitude): the solver must converge, and the eigenvalues must
     * reproduce the trace and the Frobenius norm (Σλ = tr A, Σλ² = ‖A‖²) and be ≥ −ε‖A‖.
     */
    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 4, 5, 6, 7, 8})
    void rankDeficientCovarianceProductsConverge(int seed) {
        Random rnd = new Random(seed);
        int n = 48 + rnd.nextInt(40);
        int rank = 2 + rnd.nextInt(n / 3);
        double scale = Math.pow(10, rnd.nextInt(13) - 6);
        double[][] x = new double[rank][n];
        for (double[] row : x) {
            for (int j = 0; j < n; j++) {
                row[j] = rnd.nextGaussian() * scale * (j % 7 == 0 ? 1e-9 : 1);
            }
        }
        double[][] a = new double[n][n];
        double trace = 0;
        double frob = 0;
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                for (double[] row : x) {
                    a[i][j] += row[i] * row[j];
                }
            }
        }
        for (int i = 0; i < n; i++) {
            trace += a[i][i];
            for (int j = 0; j < n; j++) {
                frob += a[i][j] * a[i][j];
            }
        }
        double[] ev = SymmetricEigensolver.eigenvalues(a);
        double sum = 0;
        double sumSq = 0;
        for (double v : ev) {
            sum += v;
            sumSq += v * v;
            assertThat(v).isGreaterThanOrEqualTo(-1e-12 * Math.sqrt(frob));
        }
        assertThat(sum).isCloseTo(trace, within(1e-10 * trace));
        assertThat(sumSq).isCloseTo(frob, within(1e-9 * frob));
        long nonZero = Arrays.stream(ev).filter(v -> v > 1e-9 * ev[0]).count();
        assertThat(nonZero).isLessThanOrEqualTo(rank);
    }

    @Test
    void nonFiniteEntriesAreRejectedByPosition() {
        double[][] a = {{1, 0}, {Double.NaN, 1}};
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> SymmetricEigensolver.eigenvalues(a))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("[1][0] is NaN");
    }
}
