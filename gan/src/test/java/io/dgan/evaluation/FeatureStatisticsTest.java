package io.dgan.evaluation;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class FeatureStatisticsTest {

    @Test
    void frechetDistanceMatchesTheClosedFormForDiagonalGaussians() {
        // N(μ1, diag a) vs N(μ2, diag b): ‖μ1−μ2‖² + Σ (√a − √b)².
        double[] mu1 = {0, 1, 2};
        double[] mu2 = {1, 1, 0};
        double[][] c1 = {{4, 0, 0}, {0, 1, 0}, {0, 0, 9}};
        double[][] c2 = {{1, 0, 0}, {0, 1, 0}, {0, 0, 4}};
        double expected = 1 + 4 + (2 - 1) * (2 - 1) + 0 + (3 - 2) * (3 - 2);
        assertThat(FeatureStatistics.frechetDistance(mu1, c1, mu2, c2)).isCloseTo(expected, within(1e-6));
    }

    @Test
    void frechetDistanceOfFullCovariancesAgainstTheCommutingCase() {
        // C2 = 4·C1 commutes with C1: tr sqrt(C1 C2) = 2 tr C1, so FID = tr C1 + 4 tr C1 − 4 tr C1 = tr C1.
        double[][] c1 = {{2, 0.5, 0.1}, {0.5, 1, 0.3}, {0.1, 0.3, 1.5}};
        double[][] c2 = new double[3][3];
        for (int i = 0; i < 3; i++) {
            for (int j = 0; j < 3; j++) {
                c2[i][j] = 4 * c1[i][j];
            }
        }
        double[] mu = {0, 0, 0};
        assertThat(FeatureStatistics.frechetDistance(mu, c1, mu, c2)).isCloseTo(4.5, within(1e-9));
        assertThat(FeatureStatistics.frechetDistance(mu, c1, mu, c1)).isCloseTo(0, within(1e-9));
    }

    @Test
    void samplesFromTheSameDistributionAreCloserThanFromShiftedOnes() {
        SplittableRandom rng = new SplittableRandom(3);
        double[][] a = gaussian(2000, 8, 0, rng);
        double[][] b = gaussian(2000, 8, 0, rng);
        double[][] shifted = gaussian(2000, 8, 0.5, rng);
        double same = FeatureStatistics.frechetDistance(a, b);
        double far = FeatureStatistics.frechetDistance(a, shifted);
        assertThat(same).isLessThan(0.05);
        assertThat(far).isCloseTo(8 * 0.25, within(0.3)); // sampling sd of the mean term alone ~0.1
        double kidSame = FeatureStatistics.kernelDistance(a, b, 5, 500, 1);
        double kidFar = FeatureStatistics.kernelDistance(a, shifted, 5, 500, 1);
        assertThat(Math.abs(kidSame)).isLessThan(0.01);
        assertThat(kidFar).isGreaterThan(10 * Math.abs(kidSame)).isGreaterThan(0.01);
    }

    @Test
    void inceptionScoreBounds() {
        double[][] confidentAndDiverse = new double[10][10];
        for (int i = 0; i < 10; i++) {
            confidentAndDiverse[i][i] = 1;
        }
        assertThat(FeatureStatistics.inceptionScore(confidentAndDiverse)).isCloseTo(10, within(1e-9));
        double[][] collapsed = new double[10][10];
        for (int i = 0; i < 10; i++) {
            collapsed[i][3] = 1;
        }
        assertThat(FeatureStatistics.inceptionScore(collapsed)).isCloseTo(1, within(1e-9));
    }

    private static double[][] gaussian(int n, int d, double shift, SplittableRandom rng) {
        double[][] x = new double[n][d];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < d; j++) {
                x[i][j] = rng.nextGaussian() + shift;
            }
        }
        return x;
    }
}
