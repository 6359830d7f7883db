package io.dgan.topology;

/**
 * Random ring (Rand-DP-OAdam): at iteration k the workers form the ring π_k(0) – π_k(1) – … – π_k(M−1) – π_k(0),
 * with π_k = {@link SeededPermutation#of}(M, seed, k), 1/3 weights. Every W_k is connected; aperiodic.
 */
final class RandomRingSchedule implements MixingSchedule {
    private final int workers;
    private final long seed;
    private final IterationCache cache;

    RandomRingSchedule(int workers, long seed) {
        if (workers < 1) {
            throw new IllegalArgumentException("workers must be at least 1, got " + workers);
        }
        this.workers = workers;
        this.seed = seed;
        this.cache = new IterationCache(this::derive);
    }

    private SparseMixingMatrix derive(long iteration) {
        return RingTopology.ringOver(new MixingMatrixBuilder(workers), SeededPermutation.of(workers, seed, iteration));
    }

    @Override
    public String type() {
        return TopologyType.RANDOM_RING.cliName();
    }

    @Override
    public int workers() {
        return workers;
    }

    @Override
    public SparseMixingMatrix at(long iteration) {
        return cache.at(iteration);
    }

    @Override
    public int period() {
        return 0;
    }
}
