package io.dgan.games;

import io.dgan.optimizer.Algorithm;
import io.dgan.optimizer.OptimizerConfig;
import io.dgan.topology.MixingSchedule;
import io.dgan.topology.Topologies;
import io.dgan.topology.TopologySpec;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Bilinear game, d = 10, heterogeneity 0.3, η = 0.1: DPOSG must reduce ‖T(x̄)‖ by ≥ 10⁴ within 20,000 iterations
 * and reach consensus (distance > 0 during training, < 1e-8 at the end); gossip + gradient descent–ascent with
 * the same settings must diverge. The default run covers one configuration per topology; {@code -Pacceptance}
 * runs every (topology, M ∈ {2, 3, 4, 8, 16}) the topology admits.
 */
class BilinearConvergenceTest {
    static final int[] WORKERS = {2, 3, 4, 8, 16};
    static final String[] TOPOLOGIES = {"ring", "torus", "hypercube", "complete", "random-ring"};
    static final long ITERATIONS = 20_000;

    static Stream<Arguments> representative() {
        return Stream.of(Arguments.of("ring", 8), Arguments.of("torus", 4), Arguments.of("hypercube", 16),
                Arguments.of("complete", 3), Arguments.of("random-ring", 5));
    }

    /** Every (topology, M) of the grid that the topology admits (torus needs a non-prime M ≥ 4, hypercube 2^k). */
    static Stream<Arguments> fullGrid() {
        List<Arguments> grid = new ArrayList<>();
        for (String t : TOPOLOGIES) {
            for (int m : WORKERS) {
                if (admits(t, m)) {
                    grid.add(Arguments.of(t, m));
                }
            }
        }
        return grid.stream();
    }

    static boolean admits(String topology, int m) {
        try {
            Topologies.create(TopologySpec.of(topology, m));
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    @ParameterizedTest(name = "{0}, M={1}")
    @MethodSource("representative")
    void dposgConvergesAndGdaDiverges(String topology, int m) {
        check(topology, m);
    }

    @Tag("acceptance")
    @ParameterizedTest(name = "{0}, M={1}")
    @MethodSource("fullGrid")
    void fullGrid(String topology, int m) {
        check(topology, m);
    }

    private static void check(String topology, int m) {
        BilinearGame game = new BilinearGame(10, m, 0.3, 1);
        MixingSchedule schedule = Topologies.create(TopologySpec.of(topology, m).withSeed(1));

        RunResult dposg = new GameRunner(game, config(Algorithm.DPOSG), schedule).every(100).run(ITERATIONS);
        assertThat(dposg.diverged()).isFalse();
        assertThat(dposg.reduction()).as("DPOSG residual reduction").isGreaterThanOrEqualTo(1e4);
        assertThat(dposg.maxConsensusDistance()).as("consensus distance during training").isPositive();
        assertThat(dposg.last().consensusDistance()).as("final consensus distance").isLessThan(1e-8);

        RunResult gda = new GameRunner(game, config(Algorithm.GDA), schedule).every(100).run(ITERATIONS);
        assertThat(gda.diverged() || gda.finalResidual() > 100 * gda.initialResidual())
                .as("gda diverges (final residual %s from %s)", gda.finalResidual(), gda.initialResidual())
                .isTrue();
    }

    private static OptimizerConfig config(Algorithm a) {
        return OptimizerConfig.builder(a).learningRate(0.1).build();
    }
}
