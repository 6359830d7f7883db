package io.dgan.optimizer;

import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * averageMoments gossips m and v with the parameters. With two workers and W = ½–½, the gossiped moments are
 * bit-identical on both ranks when the oracle is called (½a + ½b = ½b + ½a); without the flag they stay local
 * and differ (the workers' games differ).
 */
class MomentAveragingTest {
    private static final int STEPS = 20;

    @Test
    void momentsAreAveragedOnlyWithTheFlag() {
        assertThat(momentsAtOracleCall(true)).isTrue();
        assertThat(momentsAtOracleCall(false)).isFalse();
    }

    /** Whether rank 0's and rank 1's "u.m" and "v.v" were bit-identical at every oracle call from k = 2 on. */
    private static boolean momentsAtOracleCall(boolean average) {
        OptimizerConfig cfg = OptimizerConfig.builder(Algorithm.DP_OADAM).learningRate(0.01)
                .averageMoments(average).build();
        OracleCallTrace t = OracleCallTrace.record(cfg, 2, STEPS, "u.m", "v.v");
        boolean identical = true;
        for (int k = 2; k <= STEPS; k++) {
            identical &= Arrays.equals(t.at(0, k, "u.m"), t.at(1, k, "u.m"))
                    && Arrays.equals(t.at(0, k, "v.v"), t.at(1, k, "v.v"));
        }
        return identical;
    }
}
