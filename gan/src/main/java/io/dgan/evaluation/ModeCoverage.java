package io.dgan.evaluation;

import io.dgan.data.GaussianMixture;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Mode coverage of 2-D samples against a Gaussian mixture: a sample is high-quality when it lies within 3σ of its
 * nearest mode; a mode is covered when at least {@code minPerMode} high-quality samples landed on it (default 20
 * of the usual 2,500 samples, i.e. a mode with under ~6% of its fair share on the 8-mode ring counts as dropped).
 *
 * @param perMode high-quality samples per mode
 */
public record ModeCoverage(int modesCovered, int modes, double highQualityFraction, int[] perMode, int samples) {
    public static final int DEFAULT_SAMPLES = 2500;
    public static final int DEFAULT_MIN_PER_MODE = 20;

    public static ModeCoverage measure(GaussianMixture mixture, INDArray samples) {
        return measure(mixture, samples, DEFAULT_MIN_PER_MODE);
    }

    public static ModeCoverage measure(GaussianMixture mixture, INDArray samples, int minPerMode) {
        double[][] modes = mixture.modes();
        double limit = 3 * mixture.sigma();
        int n = (int) samples.size(0);
        double[] xy = samples.castTo(DataType.DOUBLE).reshape(n * 2L).toDoubleVector();
        int[] perMode = new int[modes.length];
        int hq = 0;
        for (int i = 0; i < n; i++) {
            double x = xy[2 * i];
            double y = xy[2 * i + 1];
            int best = -1;
            double bestDist = Double.MAX_VALUE;
            for (int k = 0; k < modes.length; k++) {
                double d = Math.hypot(x - modes[k][0], y - modes[k][1]);
                if (d < bestDist) {
                    bestDist = d;
                    best = k;
                }
            }
            if (bestDist <= limit) {
                hq++;
                perMode[best]++;
            }
        }
        int covered = 0;
        for (int c : perMode) {
            if (c >= minPerMode) {
                covered++;
            }
        }
        return new ModeCoverage(covered, modes.length, n == 0 ? 0 : (double) hq / n, perMode, n);
    }
}
