package io.dgan.optimizer;

import io.dgan.games.BilinearGame;
import io.dgan.testing.DenseMixing;
import io.dgan.testing.Ranks;
import io.dgan.transport.InMemoryNetwork;
import org.junit.jupiter.api.Test;

import java.nio.FloatBuffer;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * averageMoments gossips m and v with the parameters. With two workers and W = ½–½, the gossiped moments are
 * bit-identical on both ranks when the oracle is called (½a + ½b = ½b + ½a); without the flag they stay local
 * and differ (the workers' games differ).
 */
class MomentAveragingTest {
    @Test
    void momentsAreAveragedOnlyWithTheFlag() {
        assertThat(momentsAtOracleCall(true)).isTrue();
        assertThat(momentsAtOracleCall(false)).isFalse();
    }

    /** Whether rank 0's and rank 1's "u.m" and "v.v" were bit-identical at every oracle call from k = 2 on. */
    private static boolean momentsAtOracleCall(boolean average) {
        int m = 2;
        BilinearGame game = new BilinearGame(4, m, 0.5, 3);
        OptimizerConfig cfg = OptimizerConfig.builder(Algorithm.DP_OADAM).learningRate(0.01)
                .averageMoments(average).build();
        float[][][][] seen = new float[m][20][2][];
        try (InMemoryNetwork net = new InMemoryNetwork(m)) {
            Ranks.run(m, rank -> {
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
                            seen[rank][(int) k - 1][0] = copy(self[0].stateBuffers().get("u.m"));
                            seen[rank][(int) k - 1][1] = copy(self[0].stateBuffers().get("v.v"));
                        }
                        inner.computeGradients(k);
                    }
                };
                self[0] = Optimizers.create(cfg, spying, net.transport(rank),
                        DenseMixing.fixed("complete", DenseMixing.complete(m)));
                for (int k = 1; k <= 20; k++) {
                    self[0].step(k);
                }
            });
        }
        boolean identical = true;
        for (int k = 1; k < 20; k++) {
            identical &= java.util.Arrays.equals(seen[0][k][0], seen[1][k][0])
                    && java.util.Arrays.equals(seen[0][k][1], seen[1][k][1]);
        }
        return identical;
    }

    private static float[] copy(FloatBuffer b) {
        float[] c = new float[b.limit()];
        b.get(0, c);
        return c;
    }
}
