package io.dgan.training;

import io.dgan.optimizer.InitialDirection;
import io.dgan.optimizer.SecondMoment;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The run configuration's reconstructed choices reach the optimizer's configuration. */
class TrainSetupTest {
    @Test
    void momentAveragingAndInitialDirectionReachTheOptimizer() {
        TrainConfig base = TrainConfig.defaults("mlp", "ring8");
        assertThat(TrainSetup.of(base).optimizerConfig.averageMoments()).isFalse();
        assertThat(TrainSetup.of(base).optimizerConfig.initialDirection()).isEqualTo(InitialDirection.ORACLE);
        TrainSetup set = TrainSetup.of(base.withReconstructed(true, "zero"));
        assertThat(set.optimizerConfig.averageMoments()).isTrue();
        assertThat(set.optimizerConfig.initialDirection()).isEqualTo(InitialDirection.ZERO);
        assertThatThrownBy(() -> base.withReconstructed(false, "random")).hasMessageContaining("--initial-direction");
        assertThatThrownBy(() -> base.withWorkers(4, "ring", "dposg").withReconstructed(true, "oracle"))
                .hasMessageContaining("--average-moments");
    }

    @Test
    void secondMomentReachesTheOptimizer() {
        TrainConfig base = TrainConfig.defaults("mlp", "ring8");
        assertThat(TrainSetup.of(base).optimizerConfig.secondMoment()).isEqualTo(SecondMoment.LOCAL);
        assertThat(TrainSetup.of(base.withSecondMoment("neighbourhood")).optimizerConfig.secondMoment())
                .isEqualTo(SecondMoment.NEIGHBOURHOOD);
        assertThat(TrainSetup.of(base.withSecondMoment("global")).optimizerConfig.secondMoment())
                .isEqualTo(SecondMoment.GLOBAL);
        assertThatThrownBy(() -> base.withSecondMoment("both")).hasMessage(
                "--second-moment: expected local, neighbourhood or global, got 'both'");
        assertThatThrownBy(() -> base.withWorkers(4, "ring", "cp-oadam").withSecondMoment("neighbourhood"))
                .hasMessageContaining("--second-moment: neighbourhood applies to dp-oadam and rand-dp-oadam");
    }
}
