package io.dgan.games;

import io.dgan.optimizer.Algorithm;
import io.dgan.optimizer.OptimizerConfig;
import io.dgan.topology.Topologies;
import io.dgan.topology.TopologySpec;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Noisy strongly monotone quadratic game, DPOSG on a ring: the error floor E‖x̄ − x*‖² must fall like
 * σ²/(m·M). Measured as the mean over the last 3/4 of each run and over 3 seeds, for M = 1, 2, 4, 8; asserted:
 * a strict monotone fall, and a log-log slope against M within [−1.25, −0.75]. The batch size enters the same
 * way: m = 4 on one worker must land near M = 4's floor.
 */
class QuadraticNoiseFloorTest {
    static final int[] WORKERS = {1, 2, 4, 8};
    static final long ITERATIONS = 4000;
    static final int SEEDS = 3;

    @Test
    void errorFloorFallsAsOneOverM() {
        double[] floor = new double[WORKERS.length];
        for (int i = 0; i < WORKERS.length; i++) {
            floor[i] = floor(WORKERS[i], 1);
            if (i > 0) {
                assertThat(floor[i]).as("floor at M=%d below M=%d", WORKERS[i], WORKERS[i - 1])
                        .isLessThan(floor[i - 1]);
            }
        }
        assertThat(slope(floor)).as("log-log slope of the floor against M").isBetween(-1.25, -0.75);
        double batchOfFour = floor(1, 4);
        assertThat(batchOfFour / floor[2]).as("M=1, m=4 against M=4, m=1").isBetween(0.7, 1.4);
    }

    static double floor(int m, int batch) {
        double sum = 0;
        for (int seed = 1; seed <= SEEDS; seed++) {
            QuadraticGame game = new QuadraticGame(5, m, 0, 1.0, batch, seed);
            OptimizerConfig cfg = OptimizerConfig.builder(Algorithm.DPOSG).learningRate(0.05).build();
            RunResult r = new GameRunner(game, cfg, Topologies.create(TopologySpec.of("ring", m).withSeed(seed)))
                    .every(5).run(ITERATIONS);
            sum += r.meanError(ITERATIONS / 4);
        }
        return sum / SEEDS;
    }

    /** Least-squares slope of log(floor) against log(M). */
    static double slope(double[] floor) {
        int n = WORKERS.length;
        double mx = 0;
        double my = 0;
        for (int i = 0; i < n; i++) {
            mx += Math.log(WORKERS[i]) / n;
            my += Math.log(floor[i]) / n;
        }
        double sxy = 0;
        double sxx = 0;
        for (int i = 0; i < n; i++) {
            double dx = Math.log(WORKERS[i]) - mx;
            sxy += dx * (Math.log(floor[i]) - my);
            sxx += dx * dx;
        }
        return sxy / sxx;
    }
}
