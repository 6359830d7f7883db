package io.dgan.topology;

import java.util.SplittableRandom;

/**
 * The permutation every worker derives for iteration k of a random schedule, with no coordinator: it must be the
 * same in every JVM, so the procedure is fixed here and must never change (it is part of the wire protocol).
 *
 * <pre>
 *   rng = new java.util.SplittableRandom(seed + k)      // long addition, wrapping on overflow
 *   π   = [0, 1, ..., M−1]
 *   for i = M−1 down to 1:  j = rng.nextInt(i + 1);  swap π[i], π[j]      // Fisher–Yates
 * </pre>
 * SplittableRandom's generator (SplitMix64) and its bounded nextInt are specified by the JDK and have not changed
 * since Java 8.
 */
public final class SeededPermutation {
    private SeededPermutation() {
    }

    public static int[] of(int workers, long seed, long iteration) {
        int[] order = RingTopology.identity(workers);
        SplittableRandom rng = new SplittableRandom(seed + iteration);
        for (int i = workers - 1; i >= 1; i--) {
            int j = rng.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        return order;
    }
}
