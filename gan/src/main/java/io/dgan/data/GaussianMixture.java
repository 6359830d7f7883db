package io.dgan.data;

import io.dgan.model.Shape;
import io.dgan.random.PortableGaussian;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.random.RandomGenerator;

/**
 * A mixture of isotropic 2-D Gaussians with equal σ, sampled on the fly. {@code ring8}: 8 modes at angles 2πk/8 on
 * the unit circle (k = 0..7, no duplicate at 2π), σ = 0.02. {@code grid25}: the 5×5 grid {-2,-1,0,1,2}², σ = 0.05.
 *
 * @param modes   K×2 mode centres
 * @param weights mixture weights (sum 1); a non-iid shard uses unequal ones
 */
public record GaussianMixture(String name, double[][] modes, double sigma, double[] weights) implements SampleSource {

    public static GaussianMixture ring8() {
        return ring(8, 1.0, 0.02);
    }

    public static GaussianMixture ring(int k, double radius, double sigma) {
        double[][] m = new double[k][];
        for (int i = 0; i < k; i++) {
            double a = 2 * Math.PI * i / k;
            m[i] = new double[]{radius * Math.cos(a), radius * Math.sin(a)};
        }
        return new GaussianMixture("ring" + k, m, sigma, uniform(k));
    }

    public static GaussianMixture grid25() {
        double[][] m = new double[25][];
        for (int i = 0; i < 5; i++) {
            for (int j = 0; j < 5; j++) {
                m[i * 5 + j] = new double[]{i - 2, j - 2};
            }
        }
        return new GaussianMixture("grid25", m, 0.05, uniform(25));
    }

    static double[] uniform(int k) {
        double[] w = new double[k];
        java.util.Arrays.fill(w, 1.0 / k);
        return w;
    }

    public GaussianMixture withWeights(double[] w) {
        if (w.length != modes.length) {
            throw new IllegalArgumentException(name + ": " + w.length + " weights for " + modes.length + " modes");
        }
        return new GaussianMixture(name, modes, sigma, w.clone());
    }

    @Override
    public Shape shape() {
        return Shape.vector(2);
    }

    @Override
    public INDArray batch(int size, RandomGenerator rng) {
        float[] buf = new float[size * 2];
        for (int b = 0; b < size; b++) {
            double[] m = modes[pickMode(rng.nextDouble())];
            buf[2 * b] = (float) (m[0] + sigma * PortableGaussian.next(rng));
            buf[2 * b + 1] = (float) (m[1] + sigma * PortableGaussian.next(rng));
        }
        return Nd4j.create(buf, new long[]{size, 2});
    }

    private int pickMode(double u) {
        double acc = 0;
        for (int i = 0; i < weights.length; i++) {
            acc += weights[i];
            if (u < acc) {
                return i;
            }
        }
        return weights.length - 1;
    }
}
