package io.dgan.games;

import io.dgan.optimizer.Algorithm;
import io.dgan.optimizer.OptimizerConfig;
import io.dgan.testing.Ranks;
import io.dgan.topology.MixingSchedule;
import io.dgan.topology.Topologies;
import io.dgan.topology.TopologySpec;
import io.dgan.transport.InMemoryNetwork;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** The per-rank worker (what a multi-process run executes) against the in-process runner. */
class GameWorkerTest {
    @Test
    void perRankWorkersOverATransportMatchTheInProcessRunnerBitForBit() {
        int m = 4;
        QuadraticGame game = new QuadraticGame(4, m, 0.4, 0.3, 2, 7);
        MixingSchedule schedule = Topologies.create(TopologySpec.of("random-ring", m).withSeed(3));
        OptimizerConfig cfg = OptimizerConfig.builder(Algorithm.DPOSG).learningRate(0.05).build();
        RunResult reference = new GameRunner(game, cfg, schedule).every(25).run(400);

        RunResult[] ranks = new RunResult[m];
        try (InMemoryNetwork net = new InMemoryNetwork(m)) {
            Ranks.run(m, r -> ranks[r] = new GameWorker(game, cfg, schedule, net.transport(r)).every(25).run(400));
        }
        for (int r = 0; r < m; r++) {
            assertThat(ranks[r].finalParameters()[0]).as("rank %d", r)
                    .isDeepEqualTo(reference.finalParameters()[r]);
            assertThat(ranks[r].curve()).isEqualTo(ranks[0].curve());  // every rank sees the same metrics
        }
        assertThat(ranks[0].curve()).hasSameSizeAs(reference.curve());
        for (int i = 0; i < reference.curve().size(); i++) {
            CurvePoint a = ranks[0].curve().get(i);
            CurvePoint b = reference.curve().get(i);
            assertThat(a.iteration()).isEqualTo(b.iteration());
            assertThat(a.residual()).isCloseTo(b.residual(), within(1e-5 * b.residual()));
            assertThat(a.error()).isCloseTo(b.error(), within(1e-5 * b.error() + 1e-9));
            assertThat(a.consensusDistance()).isCloseTo(b.consensusDistance(),
                    within(1e-4 * b.consensusDistance() + 1e-12));
        }
    }

    @Test
    void allRanksStopTogetherWhenGdaDiverges() {
        int m = 3;
        BilinearGame game = new BilinearGame(5, m, 0.3, 1);
        OptimizerConfig cfg = OptimizerConfig.builder(Algorithm.GDA).learningRate(0.3).build();
        RunResult[] ranks = new RunResult[m];
        try (InMemoryNetwork net = new InMemoryNetwork(m)) {
            Ranks.run(m, r -> ranks[r] = new GameWorker(game, cfg, Topologies.create("ring", m), net.transport(r))
                    .every(10).divergenceFactor(1e3).run(100_000));
            for (int r = 0; r < m; r++) {
                assertThat(net.pending(r)).isZero();
            }
        }
        for (RunResult r : ranks) {
            assertThat(r.diverged()).isTrue();
            assertThat(r.iterations()).isEqualTo(ranks[0].iterations()).isLessThan(100_000);
        }
    }

    /**
     * The residual is taken at z̄ = x̄ − η d̄ (the average of the next evaluation points), not at x̄: replaying the same
     * run by hand (one rank, dposg) gives the runner's residual exactly at z and a different one at x.
     */
    @Test
    void residualIsMeasuredAtTheAverageOfTheNextEvaluationPoints() {
        QuadraticGame game = new QuadraticGame(4, 1, 0.4, 0.3, 2, 7);
        OptimizerConfig cfg = OptimizerConfig.builder(Algorithm.DPOSG).learningRate(0.05).build();
        RunResult run = new GameRunner(game, cfg, Topologies.create("ring", 1)).every(3).run(3);
        double[][] x;
        double[][] z;
        try (InMemoryNetwork net = new InMemoryNetwork(1)) {
            io.dgan.optimizer.GradientOracle oracle = game.oracle(0);
            io.dgan.optimizer.DecentralizedOptimizer opt = io.dgan.optimizer.Optimizers.create(cfg, oracle,
                    net.transport(0), Topologies.create("ring", 1));
            for (long k = 1; k <= 3; k++) {
                opt.step(k);
            }
            int players = oracle.players().size();
            x = new double[players][];
            z = new double[players][];
            for (int p = 0; p < players; p++) {
                java.nio.FloatBuffer xp = oracle.players().get(p).params();
                java.nio.FloatBuffer d = opt.stateBuffers().get(oracle.players().get(p).name() + ".previousDirection");
                x[p] = new double[xp.limit()];
                z[p] = new double[xp.limit()];
                for (int i = 0; i < xp.limit(); i++) {
                    x[p][i] = xp.get(i);
                    z[p][i] = xp.get(i) - 0.05f * d.get(i);
                }
            }
        }
        double measured = run.last().residual();
        assertThat(measured).isCloseTo(game.residual(z), within(1e-6 * measured));
        assertThat(Math.abs(game.residual(x) - measured)).isGreaterThan(1e-4 * measured);
    }
}
