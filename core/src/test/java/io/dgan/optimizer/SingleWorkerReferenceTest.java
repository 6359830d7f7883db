package io.dgan.optimizer;

import io.dgan.games.BilinearGame;
import io.dgan.games.Game;
import io.dgan.games.QuadraticGame;
import io.dgan.testing.RecordingOracle;
import io.dgan.transport.InMemoryNetwork;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * With one worker, the optimizers must be the textbook single-machine methods. Each reference below is written
 * straightforwardly in double from the formulas (not from the optimizer's fused in-place form), and evaluated with
 * a second, independent instance of the same oracle. We compare the points at which the oracle is queried.
 */
class SingleWorkerReferenceTest {
    private static final int STEPS = 300;

    @Test
    void dposgOnOneWorkerIsTheOptimisticStep() {
        for (Game game : List.of(new BilinearGame(6, 1, 0, 3), new QuadraticGame(4, 1, 0, 0.5, 2, 3))) {
            double eta = 0.1;
            RecordingOracle recorded = new RecordingOracle(game.oracle(0));
            run(OptimizerConfig.builder(Algorithm.DPOSG).learningRate(eta).build(), recorded);

            // z_1 = x_0 − η g_0 with g_0 = ĝ(x_0);  z_{k+1} = z_k − 2η g_k + η g_{k−1},  g_k = ĝ(z_k)
            GradientOracle reference = game.oracle(0);
            double[][] x0 = toDouble(game.initialPoint());
            double[][] gPrev = RecordingOracle.gradientAt(reference, x0, 0);
            double[][] z = axpy(x0, -eta, gPrev);
            assertThat(recorded.iterations).hasSize(STEPS + 1);
            assertClose(recorded.points.get(0), x0, 0);
            for (int k = 1; k <= STEPS; k++) {
                assertClose(recorded.points.get(k), z, 2e-5);
                double[][] g = RecordingOracle.gradientAt(reference, z, k);
                z = axpy(axpy(z, -2 * eta, g), eta, gPrev);
                gPrev = g;
            }
        }
    }

    @Test
    void dpOadamOnOneWorkerIsOptimisticAdam() {
        Game game = new QuadraticGame(5, 1, 0, 0.3, 4, 8);
        double eta = 0.01;
        double b1 = 0.5;
        double b2 = 0.9;
        double eps = 1e-8;
        RecordingOracle recorded = new RecordingOracle(game.oracle(0));
        DecentralizedOptimizer opt = run(OptimizerConfig.builder(Algorithm.DP_OADAM).learningRate(eta)
                .betas(b1, b2).eps(eps).build(), recorded);

        GradientOracle reference = game.oracle(0);
        OAdamReference ref = new OAdamReference(eta, b1, b2, eps, toDouble(game.initialPoint()));
        ref.prime(RecordingOracle.gradientAt(reference, ref.x, 0));
        for (int k = 1; k <= STEPS; k++) {
            double[][] z = ref.queryPoint();
            assertClose(recorded.points.get(k), z, 1e-4);
            ref.update(RecordingOracle.gradientAt(reference, z, k));
        }
        assertClose(toDouble(paramsOf(opt)), ref.x, 1e-4);
        assertThat(opt.stepCount()).isEqualTo(STEPS + 1);  // g_0 counted: s = iterations + 1
    }

    @Test
    void ttUrLearningRatesApplyPerPlayer() {
        Game game = new BilinearGame(3, 1, 0, 5);
        double etaU = 0.05;
        double etaV = 0.2;
        RecordingOracle recorded = new RecordingOracle(game.oracle(0));
        OptimizerConfig cfg = OptimizerConfig.builder(Algorithm.GDA).learningRate(0.1)
                .learningRate("u", etaU).learningRate("v", etaV).build();
        DecentralizedOptimizer opt = Optimizers.create(cfg, recorded, new InMemoryNetwork(1).transport(0), null);
        opt.step(1);
        double[][] x0 = toDouble(game.initialPoint());
        double[][] g = RecordingOracle.gradientAt(game.oracle(0), x0, 1);
        float[][] x1 = paramsOf(opt);
        for (int i = 0; i < 3; i++) {
            assertThat((double) x1[0][i]).isCloseTo(x0[0][i] - etaU * g[0][i], within(1e-6));
            assertThat((double) x1[1][i]).isCloseTo(x0[1][i] - etaV * g[1][i], within(1e-6));
        }
    }

    /** OAdam exactly as written in algorithm.md, with x kept separately from the query point. */
    static final class OAdamReference {
        final double eta;
        final double b1;
        final double b2;
        final double eps;
        double[][] x;
        double[][] m;
        double[][] v;
        double[][] dPrev;
        long s;

        OAdamReference(double eta, double b1, double b2, double eps, double[][] x0) {
            this.eta = eta;
            this.b1 = b1;
            this.b2 = b2;
            this.eps = eps;
            this.x = x0;
            m = zerosLike(x0);
            v = zerosLike(x0);
            dPrev = zerosLike(x0);
        }

        void prime(double[][] g0) {
            dPrev = direction(g0);
        }

        double[][] queryPoint() {
            return axpy(x, -eta, dPrev);
        }

        void update(double[][] g) {
            double[][] d = direction(g);
            x = axpy(x, -eta, d);
            dPrev = d;
        }

        private double[][] direction(double[][] g) {
            s++;
            double[][] d = zerosLike(g);
            for (int p = 0; p < g.length; p++) {
                for (int i = 0; i < g[p].length; i++) {
                    m[p][i] = b1 * m[p][i] + (1 - b1) * g[p][i];
                    v[p][i] = b2 * v[p][i] + (1 - b2) * g[p][i] * g[p][i];
                    double mHat = m[p][i] / (1 - Math.pow(b1, s));
                    double vHat = v[p][i] / (1 - Math.pow(b2, s));
                    d[p][i] = mHat / (Math.sqrt(vHat) + eps);
                }
            }
            return d;
        }
    }

    static DecentralizedOptimizer run(OptimizerConfig cfg, GradientOracle oracle) {
        DecentralizedOptimizer opt = Optimizers.create(cfg, oracle, new InMemoryNetwork(1).transport(0), null);
        for (int k = 1; k <= STEPS; k++) {
            opt.step(k);
        }
        return opt;
    }

    static float[][] paramsOf(DecentralizedOptimizer opt) {
        float[][] x = new float[opt.players().size()][];
        for (int p = 0; p < x.length; p++) {
            x[p] = new float[opt.players().get(p).length()];
            opt.players().get(p).params().get(0, x[p]);
        }
        return x;
    }

    static double[][] toDouble(float[][] f) {
        double[][] d = new double[f.length][];
        for (int p = 0; p < f.length; p++) {
            d[p] = new double[f[p].length];
            for (int i = 0; i < f[p].length; i++) {
                d[p][i] = f[p][i];
            }
        }
        return d;
    }

    static double[][] zerosLike(double[][] x) {
        double[][] z = new double[x.length][];
        for (int p = 0; p < x.length; p++) {
            z[p] = new double[x[p].length];
        }
        return z;
    }

    static double[][] axpy(double[][] x, double a, double[][] y) {
        double[][] r = zerosLike(x);
        for (int p = 0; p < x.length; p++) {
            for (int i = 0; i < x[p].length; i++) {
                r[p][i] = x[p][i] + a * y[p][i];
            }
        }
        return r;
    }

    /** Relative-to-magnitude closeness: |a − b| ≤ tol · max(1, |b|) element-wise. */
    static void assertClose(double[][] actual, double[][] expected, double tol) {
        for (int p = 0; p < expected.length; p++) {
            for (int i = 0; i < expected[p].length; i++) {
                assertThat(actual[p][i]).as("player %d element %d", p, i)
                        .isCloseTo(expected[p][i], within(tol * Math.max(1, Math.abs(expected[p][i]))));
            }
        }
    }
}
