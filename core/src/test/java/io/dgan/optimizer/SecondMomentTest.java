package io.dgan.optimizer;

import io.dgan.games.BilinearGame;
import io.dgan.testing.DenseMixing;
import io.dgan.testing.Ranks;
import io.dgan.transport.InMemoryNetwork;
import org.junit.jupiter.api.Test;

import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/**
 * A neighbourhood second moment forms Adam's v from the gradient mixed with the neighbours'. On two workers with
 * W = ½–½ the mixed gradient is the mean of both (bit-identical on both ranks), so v is the same on both ranks at
 * every step while m, formed from each worker's own gradient of its own game, is not; with a local v both differ.
 */
class SecondMomentTest {
    private static final int STEPS = 20;

    @Test
    void neighbourhoodSecondMomentIsTheSameOnBothRanksAndFirstMomentsStayLocal() {
        Trace t = trace(SecondMoment.NEIGHBOURHOOD);
        for (int k = 1; k < STEPS; k++) {
            assertThat(t.v[0][k]).as("v at step %d", k).containsExactly(t.v[1][k]);
            assertThat(Arrays.equals(t.m[0][k], t.m[1][k])).as("m at step %d", k).isFalse();
        }
    }

    @Test
    void localSecondMomentDiffersBetweenRanks() {
        Trace t = trace(SecondMoment.LOCAL);
        for (int k = 1; k < STEPS; k++) {
            assertThat(Arrays.equals(t.v[0][k], t.v[1][k])).as("v at step %d", k).isFalse();
        }
    }

    @Test
    void theFirstSecondMomentIsTheSquareOfTheMeanGradient() {
        Trace t = trace(SecondMoment.NEIGHBOURHOOD);
        float a2 = (float) (1 - PlayerSettings.DEFAULT.beta2());
        float[] g0 = t.firstGradient[0];
        float[] g1 = t.firstGradient[1];
        float[] v = t.v[0][0];
        assertThat(Arrays.equals(g0, g1)).isFalse();
        for (int i = 0; i < v.length; i++) {
            float mean = 0.5f * g0[i] + 0.5f * g1[i];
            assertThat(v[i]).isCloseTo(a2 * mean * mean, within(1e-6f * Math.max(1f, mean * mean)));
        }
        Trace local = trace(SecondMoment.LOCAL);
        for (int i = 0; i < v.length; i++) {
            float own = local.firstGradient[0][i];
            assertThat(local.v[0][0][i]).isCloseTo(a2 * own * own, within(1e-6f * Math.max(1f, own * own)));
        }
    }

    @Test
    void onlyGossipAlgorithmsTakeANeighbourhoodSecondMoment() {
        assertThatThrownBy(() -> OptimizerConfig.builder(Algorithm.CP_OADAM)
                .secondMoment(SecondMoment.NEIGHBOURHOOD).build())
                .hasMessage("a neighbourhood second moment applies to dp-oadam and rand-dp-oadam, not cp-oadam");
        assertThatThrownBy(() -> OptimizerConfig.builder(Algorithm.DPOSG)
                .secondMoment(SecondMoment.NEIGHBOURHOOD).build()).hasMessageContaining("not dposg");
        assertThat(OptimizerConfig.builder(Algorithm.RAND_DP_OADAM).secondMoment(SecondMoment.NEIGHBOURHOOD).build()
                .secondMoment()).isEqualTo(SecondMoment.NEIGHBOURHOOD);
        assertThat(OptimizerConfig.builder(Algorithm.DP_OADAM).build().secondMoment()).isEqualTo(SecondMoment.LOCAL);
        assertThat(SecondMoment.fromCliName("neighbourhood")).isEqualTo(SecondMoment.NEIGHBOURHOOD);
        assertThatThrownBy(() -> SecondMoment.fromCliName("global")).hasMessage(
                "expected local or neighbourhood, got 'global'");
    }

    /** Per rank and oracle call k ≥ 1 (index k − 1): player u's m and v; and each rank's gradient at x_0. */
    private record Trace(float[][][] m, float[][][] v, float[][] firstGradient) {
    }

    private static Trace trace(SecondMoment secondMoment) {
        int workers = 2;
        BilinearGame game = new BilinearGame(4, workers, 0.5, 3);
        OptimizerConfig cfg = OptimizerConfig.builder(Algorithm.DP_OADAM).learningRate(0.01)
                .secondMoment(secondMoment).build();
        float[][][] m = new float[workers][STEPS][];
        float[][][] v = new float[workers][STEPS][];
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
                            m[rank][(int) k - 1] = copy(self[0].stateBuffers().get("u.m"));
                            v[rank][(int) k - 1] = copy(self[0].stateBuffers().get("u.v"));
                        }
                        inner.computeGradients(k);
                        if (k == 0) {
                            first[rank] = copy(inner.players().get(0).grads());
                        }
                    }
                };
                self[0] = Optimizers.create(cfg, spying, net.transport(rank),
                        DenseMixing.fixed("complete", DenseMixing.complete(workers)));
                for (int k = 1; k <= STEPS; k++) {
                    self[0].step(k);
                }
            });
        }
        return new Trace(m, v, first);
    }

    private static float[] copy(FloatBuffer b) {
        float[] c = new float[b.limit()];
        b.get(0, c);
        return c;
    }
}
