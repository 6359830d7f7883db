package io.dgan.optimizer;

import io.dgan.games.GameRunner;
import io.dgan.games.QuadraticGame;
import io.dgan.games.RunResult;
import io.dgan.optimizer.SingleWorkerReferenceTest.OAdamReference;
import io.dgan.testing.RecordingOracle;
import io.dgan.testing.Ranks;
import io.dgan.transport.InMemoryNetwork;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static io.dgan.optimizer.SingleWorkerReferenceTest.assertClose;
import static io.dgan.optimizer.SingleWorkerReferenceTest.toDouble;
import static io.dgan.optimizer.SingleWorkerReferenceTest.zerosLike;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * CP-OAdam on a quadratic game where every worker has its own data (shard offsets δ_i and its own noise stream):
 * the all-reduced gradient makes every worker apply the identical step.
 */
class CentralizedOadamTest {
    private static final int M = 4;
    private static final int STEPS = 200;

    @Test
    void allWorkersStayBitIdenticalAndEqualOadamOnTheConcatenatedBatch() {
        QuadraticGame game = new QuadraticGame(5, M, 0.5, 0.4, 3, 21);
        double eta = 0.02;
        OptimizerConfig cfg = OptimizerConfig.builder(Algorithm.CP_OADAM).learningRate(eta).betas(0.5, 0.9)
                .eps(1e-8).build();
        List<RecordingOracle> oracles = new ArrayList<>();
        for (int r = 0; r < M; r++) {
            oracles.add(new RecordingOracle(game.oracle(r)));
        }
        float[][][] finals = new float[M][][];
        float[][][] moments = new float[M][][];
        try (InMemoryNetwork net = new InMemoryNetwork(M)) {
            Ranks.run(M, rank -> {
                DecentralizedOptimizer opt = Optimizers.create(cfg, oracles.get(rank), net.transport(rank), null);
                for (int k = 1; k <= STEPS; k++) {
                    opt.step(k);
                }
                finals[rank] = SingleWorkerReferenceTest.paramsOf(opt);
                moments[rank] = opt.stateBuffers().values().stream().map(b -> {
                    float[] c = new float[b.limit()];
                    b.get(0, c);
                    return c;
                }).toArray(float[][]::new);
            });
        }
        for (int r = 1; r < M; r++) {
            for (int k = 0; k <= STEPS; k++) {  // every query point, bit for bit
                assertThat(oracles.get(r).points.get(k)).as("rank %d, query %d", r, k)
                        .isDeepEqualTo(oracles.get(0).points.get(k));
            }
            assertThat(finals[r]).as("rank %d parameters", r).isDeepEqualTo(finals[0]);
            assertThat(moments[r]).as("rank %d optimizer state", r).isDeepEqualTo(moments[0]);
        }

        // The single-machine reference: OAdam whose gradient is the mean over the M workers' minibatches.
        List<GradientOracle> workers = new ArrayList<>();
        for (int r = 0; r < M; r++) {
            workers.add(game.oracle(r));
        }
        OAdamReference ref = new OAdamReference(eta, 0.5, 0.9, 1e-8, toDouble(game.initialPoint()));
        ref.prime(concatenatedBatchGradient(workers, ref.x, 0));
        for (int k = 1; k <= STEPS; k++) {
            double[][] z = ref.queryPoint();
            assertClose(oracles.get(0).points.get(k), z, 1e-4);
            ref.update(concatenatedBatchGradient(workers, z, k));
        }
        assertClose(toDouble(finals[0]), ref.x, 1e-4);
        // and it actually optimized: much closer to x* than the start
        assertThat(game.error(ref.x)).isLessThan(0.05 * game.error(toDouble(game.initialPoint())));
    }

    @Test
    void decentralizedRunnerIsBitReproducible() {
        QuadraticGame game = new QuadraticGame(4, M, 0.3, 0.2, 1, 5);
        OptimizerConfig cfg = OptimizerConfig.builder(Algorithm.DP_OADAM).learningRate(0.01).build();
        var schedule = io.dgan.testing.DenseMixing.randomRing(M, 9);
        RunResult a = new GameRunner(game, cfg, schedule).every(7).run(300);
        RunResult b = new GameRunner(game, cfg, schedule).every(50).run(300);
        assertThat(a.finalParameters()).isDeepEqualTo(b.finalParameters());
        assertThat(a.maxConsensusDistance()).isPositive();
        assertThat(a.finalParameters()[0]).isNotEqualTo(a.finalParameters()[1]);  // decentralized: not identical
    }

    private static double[][] concatenatedBatchGradient(List<GradientOracle> workers, double[][] x, long k) {
        double[][] mean = zerosLike(x);
        for (GradientOracle w : workers) {
            double[][] g = RecordingOracle.gradientAt(w, x, k);
            for (int p = 0; p < g.length; p++) {
                for (int i = 0; i < g[p].length; i++) {
                    mean[p][i] += g[p][i] / workers.size();
                }
            }
        }
        return mean;
    }
}
