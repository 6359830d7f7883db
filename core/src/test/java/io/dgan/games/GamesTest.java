package io.dgan.games;

import io.dgan.optimizer.GradientOracle;
import io.dgan.testing.RecordingOracle;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** The games themselves: the workers' operators average to the global one, noise has the stated statistics. */
class GamesTest {
    @Test
    void bilinearWorkersAverageToTheGlobalOperatorAndDifferFromEachOther() {
        int m = 5;
        BilinearGame game = new BilinearGame(6, m, 0.3, 4);
        double[][] x = randomPoint(6, 1);
        double[][] mean = new double[2][6];
        double[][] first = null;
        for (int r = 0; r < m; r++) {
            double[][] g = RecordingOracle.gradientAt(game.oracle(r), x, 1);
            if (first == null) {
                first = g;
            }
            for (int p = 0; p < 2; p++) {
                for (int i = 0; i < 6; i++) {
                    mean[p][i] += g[p][i] / m;
                }
            }
        }
        // ‖mean of T_i(x)‖ equals ‖T(x)‖ (the residual uses the global A); and the workers are heterogeneous
        assertThat(norm(mean)).isCloseTo(game.residual(x), within(1e-5 * game.residual(x)));
        double[][] second = RecordingOracle.gradientAt(game.oracle(1), x, 1);
        assertThat(second[0][0]).isNotEqualTo(first[0][0]);
        assertThat(game.residual(new double[2][6])).isZero();
    }

    @Test
    void initialPointAndOperatorDependOnTheSeedOnly() {
        assertThat(new BilinearGame(4, 2, 0.3, 9).initialPoint())
                .isDeepEqualTo(new BilinearGame(4, 8, 0.0, 9).initialPoint());
        double[][] x = randomPoint(4, 2);
        assertThat(new BilinearGame(4, 2, 0.3, 9).residual(x)).isEqualTo(new BilinearGame(4, 8, 0, 9).residual(x));
        assertThat(new QuadraticGame(4, 2, 0.3, 1, 1, 9).initialPoint())
                .isDeepEqualTo(new QuadraticGame(4, 8, 0, 0, 1, 9).initialPoint());
    }

    @Test
    void quadraticNoiseHasVarianceSigmaSquaredOverBatchAndPerWorkerStreams() {
        double sigma = 0.7;
        int batch = 4;
        QuadraticGame noisy = new QuadraticGame(3, 2, 0, sigma, batch, 5);
        QuadraticGame clean = new QuadraticGame(3, 2, 0, 0, batch, 5);
        double[][] x = randomPoint(3, 3);
        double[][] exact = RecordingOracle.gradientAt(clean.oracle(0), x, 1);
        GradientOracle oracle = noisy.oracle(0);
        double sum = 0;
        double sumSq = 0;
        int calls = 4000;
        for (int k = 1; k <= calls; k++) {
            double[][] g = RecordingOracle.gradientAt(oracle, x, k);
            for (int p = 0; p < 2; p++) {
                for (int i = 0; i < 3; i++) {
                    double e = g[p][i] - exact[p][i];
                    sum += e;
                    sumSq += e * e;
                }
            }
        }
        int samples = calls * 6;
        assertThat(sum / samples).isCloseTo(0, within(0.01));
        assertThat(sumSq / samples).isCloseTo(sigma * sigma / batch, within(0.1 * sigma * sigma / batch));
        // reproducible per (rank, k), different between ranks
        double[][] a = RecordingOracle.gradientAt(noisy.oracle(0), x, 17);
        double[][] b = RecordingOracle.gradientAt(noisy.oracle(0), x, 17);
        double[][] c = RecordingOracle.gradientAt(noisy.oracle(1), x, 17);
        assertThat(a).isDeepEqualTo(b);
        assertThat(c[0][0]).isNotEqualTo(a[0][0]);
    }

    @Test
    void quadraticShardsAverageToTheGlobalOperatorWhichVanishesAtTheSolution() {
        int m = 4;
        QuadraticGame game = new QuadraticGame(3, m, 0.8, 0, 1, 6);
        double[][] x = randomPoint(3, 4);
        double[][] mean = new double[2][3];
        for (int r = 0; r < m; r++) {
            double[][] g = RecordingOracle.gradientAt(game.oracle(r), x, 1);
            for (int p = 0; p < 2; p++) {
                for (int i = 0; i < 3; i++) {
                    mean[p][i] += g[p][i] / m;
                }
            }
        }
        assertThat(norm(mean)).isCloseTo(game.residual(x), within(1e-5 * game.residual(x)));
        assertThat(game.residual(game.solution())).isZero();
        assertThat(game.error(game.solution())).isZero();
        // a shard alone does not vanish at x*: its data are offset (non-iid)
        assertThat(norm(RecordingOracle.gradientAt(game.oracle(0), game.solution(), 1))).isGreaterThan(0.1);
    }

    private static double[][] randomPoint(int d, long seed) {
        Random rnd = new Random(seed);
        double[][] x = new double[2][d];
        for (double[] row : x) {
            for (int i = 0; i < d; i++) {
                row[i] = rnd.nextGaussian();
            }
        }
        return x;
    }

    private static double norm(double[][] x) {
        double s = 0;
        for (double[] row : x) {
            for (double v : row) {
                s += v * v;
            }
        }
        return Math.sqrt(s);
    }
}
