package io.dgan.topology;

/**
 * One-peer hypercube pairing on M = 2^d workers: at iteration k worker i averages ½–½ with i xor 2^(k mod d).
 * A single round is disconnected (a perfect matching); any d consecutive rounds multiply to exactly 11ᵀ/M.
 * Period d (M = 1: period 1, W = [[1]]).
 */
final class OnePeerHypercubeSchedule implements MixingSchedule {
    private final int workers;
    private final int dimension;
    private final SparseMixingMatrix[] rounds;

    OnePeerHypercubeSchedule(int workers) {
        this.workers = workers;
        this.dimension = HypercubeTopology.dimension(workers, TopologyType.ONE_PEER_HYPERCUBE.cliName());
        this.rounds = new SparseMixingMatrix[Math.max(dimension, 1)];
        for (int bit = 0; bit < rounds.length; bit++) {
            rounds[bit] = pairing(bit);
        }
    }

    private SparseMixingMatrix pairing(int bit) {
        MixingMatrixBuilder b = new MixingMatrixBuilder(workers);
        if (dimension == 0) {
            return b.setSelf(0, 1.0).build();
        }
        for (int i = 0; i < workers; i++) {
            b.setSelf(i, 0.5).setDirected(i, i ^ (1 << bit), 0.5);
        }
        return b.build();
    }

    @Override
    public String type() {
        return TopologyType.ONE_PEER_HYPERCUBE.cliName();
    }

    @Override
    public int workers() {
        return workers;
    }

    @Override
    public SparseMixingMatrix at(long iteration) {
        return rounds[(int) Math.floorMod(iteration, (long) rounds.length)];
    }

    @Override
    public int period() {
        return rounds.length;
    }
}
