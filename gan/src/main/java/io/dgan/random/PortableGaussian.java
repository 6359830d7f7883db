package io.dgan.random;

import java.util.random.RandomGenerator;

/**
 * Standard normal samples that are the same on every JDK, for a given generator state.
 *
 * <p>{@code SplittableRandom.nextGaussian()} is not: since JDK 17 it is the JDK's own modified-ziggurat sampler
 * ({@code RandomGenerator}'s default), and it changed between JDK 17 and JDK 25 in a rarely taken branch: for seed 42
 * the first 2,088,998 values agree and every later one differs. Runs of one seed on JDK 17 (local mode) and on
 * Temurin 25 (the worker image) part as soon as one rank's draws take that branch (the demo's 4 workers: at iteration
 * 4). This is Marsaglia's polar method on {@link RandomGenerator#nextDouble()} (53 bits of {@code nextLong()} on
 * every JDK), {@link StrictMath#log} (fdlibm's, bit for bit everywhere) and a correctly rounded square root: every
 * operation is pinned by the Java specification.
 */
public final class PortableGaussian {
    private PortableGaussian() {
    }

    /** One N(0, 1) sample; consumes an even number of {@code nextDouble()} draws (two per attempt). */
    public static double next(RandomGenerator rng) {
        while (true) {
            double u = 2 * rng.nextDouble() - 1;
            double v = 2 * rng.nextDouble() - 1;
            double s = u * u + v * v;
            if (s < 1 && s != 0) {
                return u * StrictMath.sqrt(-2 * StrictMath.log(s) / s);
            }
        }
    }
}
