package io.dgan.topology;

/**
 * Random perfect matching: at iteration k, π_k = {@link SeededPermutation#of}(M, seed, k) is cut into pairs
 * (π_k(0), π_k(1)), (π_k(2), π_k(3)), …, each pair averaging ½–½; with M odd the last worker π_k(M−1) sits out
 * (weight 1 on itself). One round is disconnected; the union over a few rounds is connected with high probability.
 */
final class RandomMatchingSchedule implements MixingSchedule {
    private final int workers;
    private final long seed;
    private final IterationCache cache;

    RandomMatchingSchedule(int workers, long seed) {
        if (workers < 1) {
            throw new IllegalArgumentException("workers must be at least 1, got " + workers);
        }
        this.workers = workers;
        this.seed = seed;
        this.cache = new IterationCache(this::derive);
    }

    private SparseMixingMatrix derive(long iteration) {
        int[] order = SeededPermutation.of(workers, seed, iteration);
        MixingMatrixBuilder b = new MixingMatrixBuilder(workers);
        for (int p = 0; p + 1 < workers; p += 2) {
            b.setSelf(order[p], 0.5).setSelf(order[p + 1], 0.5).addSymmetric(order[p], order[p + 1], 0.5);
        }
        if (workers % 2 == 1) {
            b.setSelf(order[workers - 1], 1.0);
        }
        return b.build();
    }

    @Override
    public String type() {
        return TopologyType.RANDOM_MATCHING.cliName();
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
