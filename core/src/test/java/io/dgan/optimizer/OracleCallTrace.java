package io.dgan.optimizer;

import io.dgan.games.BilinearGame;
import io.dgan.testing.DenseMixing;
import io.dgan.testing.Ranks;
import io.dgan.topology.MixingSchedule;
import io.dgan.transport.InMemoryNetwork;

import java.nio.FloatBuffer;
import java.util.List;

/**
 * An optimizer run on a bilinear game (one game per rank, heterogeneity 0.5, seed 3) over the complete graph (or a
 * given one), with
 * copies of named state buffers taken at every oracle call of iterations 1..steps, and each rank's gradient of its
 * first player at x_0 (the initial direction's oracle call).
 */
final class OracleCallTrace {
    private final float[][][][] states;  // [rank][k − 1][name]
    private final float[][] firstGradient;
    private final List<String> names;

    private OracleCallTrace(float[][][][] states, float[][] firstGradient, List<String> names) {
        this.states = states;
        this.firstGradient = firstGradient;
        this.names = names;
    }

    static OracleCallTrace record(OptimizerConfig cfg, int workers, int steps, String... stateNames) {
        return record(cfg, DenseMixing.fixed("complete", DenseMixing.complete(workers)), workers, steps, stateNames);
    }

    /** The same over the graph of {@code schedule}. */
    static OracleCallTrace record(OptimizerConfig cfg, MixingSchedule schedule, int workers, int steps,
                                  String... stateNames) {
        BilinearGame game = new BilinearGame(4, workers, 0.5, 3);
        float[][][][] seen = new float[workers][steps][stateNames.length][];
        float[][] first = new float[workers][];
        try (InMemoryNetwork net = new InMemoryNetwork(workers)) {
            Ranks.run(workers, rank -> {
                GradientOracle inner = game.oracle(rank);
                DecentralizedOptimizer[] self = new DecentralizedOptimizer[1];
                GradientOracle spying = new GradientOracle() {
                    @Override
                    public List<Player> players() {
                        return inner.players();
                    }

                    @Override
                    public void computeGradients(long k) {
                        if (k >= 1) {
                            for (int s = 0; s < stateNames.length; s++) {
                                seen[rank][(int) k - 1][s] = copy(self[0].stateBuffers().get(stateNames[s]));
                            }
                        }
                        inner.computeGradients(k);
                        if (k == 0) {
                            first[rank] = copy(inner.players().get(0).grads());
                        }
                    }
                };
                self[0] = Optimizers.create(cfg, spying, net.transport(rank), schedule);
                for (int k = 1; k <= steps; k++) {
                    self[0].step(k);
                }
            });
        }
        return new OracleCallTrace(seen, first, List.of(stateNames));
    }

    /** The state buffer {@code name} of {@code rank} when the oracle was called in iteration {@code k} (k ≥ 1). */
    float[] at(int rank, int k, String name) {
        return states[rank][k - 1][names.indexOf(name)];
    }

    /** The gradient of {@code rank}'s first player at x_0. */
    float[] firstGradient(int rank) {
        return firstGradient[rank];
    }

    private static float[] copy(FloatBuffer b) {
        float[] c = new float[b.limit()];
        b.get(0, c);
        return c;
    }
}
