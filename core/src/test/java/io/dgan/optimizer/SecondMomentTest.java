package io.dgan.optimizer;

import io.dgan.testing.DenseMixing;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/**
 * A neighbourhood second moment forms Adam's v from the gradient mixed with the neighbours'. On two workers with
 * W = ½–½ the mixed gradient is the mean of both (bit-identical on both ranks), so v is the same on both ranks at
 * every step while m, formed from each worker's own gradient of its own game, is not; with a local v both differ.
 * A global second moment is the same on every rank of a ring, where the neighbourhoods' differ.
 */
class SecondMomentTest {
    private static final int STEPS = 20;

    @Test
    void neighbourhoodSecondMomentIsTheSameOnBothRanksAndFirstMomentsStayLocal() {
        OracleCallTrace t = trace(SecondMoment.NEIGHBOURHOOD);
        for (int k = 1; k <= STEPS; k++) {
            assertThat(t.at(0, k, "u.v")).as("v at step %d", k).containsExactly(t.at(1, k, "u.v"));
            assertThat(Arrays.equals(t.at(0, k, "u.m"), t.at(1, k, "u.m"))).as("m at step %d", k).isFalse();
        }
    }

    @Test
    void localSecondMomentDiffersBetweenRanks() {
        OracleCallTrace t = trace(SecondMoment.LOCAL);
        for (int k = 1; k <= STEPS; k++) {
            assertThat(Arrays.equals(t.at(0, k, "u.v"), t.at(1, k, "u.v"))).as("v at step %d", k).isFalse();
        }
    }

    @Test
    void theFirstSecondMomentIsTheSquareOfTheMeanGradient() {
        OracleCallTrace t = trace(SecondMoment.NEIGHBOURHOOD);
        float a2 = (float) (1 - PlayerSettings.DEFAULT.beta2());
        float[] g0 = t.firstGradient(0);
        float[] g1 = t.firstGradient(1);
        float[] v = t.at(0, 1, "u.v");
        assertThat(Arrays.equals(g0, g1)).isFalse();
        for (int i = 0; i < v.length; i++) {
            float mean = 0.5f * g0[i] + 0.5f * g1[i];
            assertThat(v[i]).isCloseTo(a2 * mean * mean, within(1e-6f * Math.max(1f, mean * mean)));
        }
        OracleCallTrace local = trace(SecondMoment.LOCAL);
        for (int i = 0; i < v.length; i++) {
            float own = local.firstGradient(0)[i];
            assertThat(local.at(0, 1, "u.v")[i]).isCloseTo(a2 * own * own, within(1e-6f * Math.max(1f, own * own)));
        }
    }

    @Test
    void aGlobalSecondMomentIsTheSameOnEveryRankOfARingWhereTheNeighbourhoodsDiffer() {
        OracleCallTrace global = ringTrace(SecondMoment.GLOBAL);
        OracleCallTrace neighbourhood = ringTrace(SecondMoment.NEIGHBOURHOOD);
        for (int k = 1; k <= STEPS; k++) {
            for (int r = 1; r < RING; r++) {
                assertThat(global.at(r, k, "u.v")).as("global v of rank %d at step %d", r, k)
                        .containsExactly(global.at(0, k, "u.v"));
                assertThat(Arrays.equals(global.at(r, k, "u.m"), global.at(0, k, "u.m")))
                        .as("m of rank %d at step %d", r, k).isFalse();
            }
            // Ranks 0 and 2 of a ring of 4 share no neighbourhood: their mixed gradients differ.
            assertThat(Arrays.equals(neighbourhood.at(0, k, "u.v"), neighbourhood.at(2, k, "u.v")))
                    .as("neighbourhood v at step %d", k).isFalse();
        }
    }

    @Test
    void theFirstGlobalSecondMomentIsTheSquareOfTheMeanOverEveryRank() {
        OracleCallTrace t = ringTrace(SecondMoment.GLOBAL);
        float a2 = (float) (1 - PlayerSettings.DEFAULT.beta2());
        float[] v = t.at(3, 1, "u.v");
        for (int i = 0; i < v.length; i++) {
            double mean = 0;
            for (int r = 0; r < RING; r++) {
                mean += t.firstGradient(r)[i] / (double) RING;
            }
            assertThat((double) v[i]).isCloseTo(a2 * mean * mean, within(1e-6 * Math.max(1, mean * mean)));
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
        assertThatThrownBy(() -> OptimizerConfig.builder(Algorithm.CP_OADAM)
                .secondMoment(SecondMoment.GLOBAL).build())
                .hasMessage("a global second moment applies to dp-oadam and rand-dp-oadam, not cp-oadam");
        assertThat(SecondMoment.fromCliName("global")).isEqualTo(SecondMoment.GLOBAL);
        assertThatThrownBy(() -> SecondMoment.fromCliName("all")).hasMessage(
                "expected local, neighbourhood or global, got 'all'");
    }

    private static final int RING = 4;

    private static OracleCallTrace ringTrace(SecondMoment secondMoment) {
        OptimizerConfig cfg = OptimizerConfig.builder(Algorithm.DP_OADAM).learningRate(0.01)
                .secondMoment(secondMoment).build();
        return OracleCallTrace.record(cfg, DenseMixing.fixed("ring", DenseMixing.ring(RING)), RING, STEPS,
                "u.m", "u.v");
    }

    private static OracleCallTrace trace(SecondMoment secondMoment) {
        OptimizerConfig cfg = OptimizerConfig.builder(Algorithm.DP_OADAM).learningRate(0.01)
                .secondMoment(secondMoment).build();
        return OracleCallTrace.record(cfg, 2, STEPS, "u.m", "u.v");
    }
}
