package io.dgan.optimizer;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class OptimizerConfigTest {
    @Test
    void perPlayerOverridesResolveAgainstTheFinalDefaultsWhateverTheOrder() {
        OptimizerConfig c = OptimizerConfig.builder(Algorithm.DP_OADAM)
                .learningRate("D", 4e-4)
                .betas(0.5, 0.999).eps(1e-7).learningRate(1e-4)
                .betas("G", 0.0, 0.9)
                .build();
        assertThat(c.settingsFor("D")).isEqualTo(new PlayerSettings(4e-4, 0.5, 0.999, 1e-7));
        assertThat(c.settingsFor("G")).isEqualTo(new PlayerSettings(1e-4, 0.0, 0.9, 1e-7));
        assertThat(c.settingsFor("other")).isEqualTo(new PlayerSettings(1e-4, 0.5, 0.999, 1e-7));
        assertThat(c.gossipRounds()).isEqualTo(1);
        assertThat(c.averageMoments()).isFalse();
        assertThat(c.initialDirection()).isEqualTo(InitialDirection.ORACLE);
        assertThat(c.toBuilder().build()).isEqualTo(c);
    }

    /** cp-oadam and a global second moment need every rank at every iteration; the gossip-only settings do not. */
    @Test
    void onlyCpOadamAndAGlobalSecondMomentAllReduceEveryIteration() {
        assertThat(OptimizerConfig.builder(Algorithm.CP_OADAM).build().allReducesEveryIteration()).isTrue();
        assertThat(OptimizerConfig.builder(Algorithm.DP_OADAM).secondMoment(SecondMoment.GLOBAL).build()
                .allReducesEveryIteration()).isTrue();
        assertThat(OptimizerConfig.builder(Algorithm.DP_OADAM).secondMoment(SecondMoment.NEIGHBOURHOOD).build()
                .allReducesEveryIteration()).isFalse();
        assertThat(OptimizerConfig.builder(Algorithm.RAND_DP_OADAM).build().allReducesEveryIteration()).isFalse();
        assertThat(OptimizerConfig.builder(Algorithm.DPOSG).build().allReducesEveryIteration()).isFalse();
    }

    @Test
    void badValuesNameWhatIsWrong() {
        assertThatThrownBy(() -> OptimizerConfig.builder(Algorithm.DPOSG).learningRate(0).build())
                .hasMessageContaining("learning rate must be > 0");
        assertThatThrownBy(() -> OptimizerConfig.builder(Algorithm.DPOSG).betas(1.0, 0.9).build())
                .hasMessageContaining("beta1");
        assertThatThrownBy(() -> OptimizerConfig.builder(Algorithm.DPOSG).gossipRounds(-1).build())
                .hasMessageContaining("gossip rounds");
        assertThatThrownBy(() -> Algorithm.fromCliName("adam")).hasMessageContaining("dp-oadam");
        assertThat(Algorithm.fromCliName("RAND-DP-OADAM")).isEqualTo(Algorithm.RAND_DP_OADAM);
    }
}
