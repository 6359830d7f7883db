package io.dgan.games;

import io.dgan.optimizer.Algorithm;
import io.dgan.optimizer.OptimizerConfig;
import io.dgan.topology.Topologies;
import io.dgan.topology.TopologySpec;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * DP-OAdam on the bilinear game (ring, M = 4): with a constant step Adam's normalized steps keep it in a
 * neighbourhood of the solution whose size scales with η, so it must reduce the residual ≥ 10× and end closer as
 * η shrinks. "End" = mean residual over the last 10% of the run (a single final value oscillates).
 */
class AdamStepSizeTest {
    static final double[] ETAS = {0.02, 0.01, 0.005};
    static final long ITERATIONS = 8000;

    @Test
    void dpOadamEndsCloserAsTheStepShrinks() {
        double previous = Double.POSITIVE_INFINITY;
        for (double eta : ETAS) {
            RunResult r = run(eta);
            double end = endResidual(r);
            assertThat(r.diverged()).isFalse();
            assertThat(r.initialResidual() / end).as("reduction at η=%s", eta).isGreaterThanOrEqualTo(10);
            assertThat(end).as("end residual at η=%s", eta).isLessThan(previous);
            previous = end;
        }
    }

    static RunResult run(double eta) {
        int m = 4;
        BilinearGame game = new BilinearGame(10, m, 0.3, 1);
        OptimizerConfig cfg = OptimizerConfig.builder(Algorithm.DP_OADAM).learningRate(eta).betas(0.0, 0.9).build();
        return new GameRunner(game, cfg, Topologies.create(TopologySpec.of("ring", m))).every(10).run(ITERATIONS);
    }

    static double endResidual(RunResult r) {
        return r.meanResidual(r.iterations() - r.iterations() / 10);
    }
}
