package io.dgan.games;

import io.dgan.optimizer.GradientOracle;

import java.util.List;
import java.util.Random;

/**
 * A noisy strongly monotone quadratic game with known solution x* = (u*, v*), u, v ∈ R^d:
 * T(x) = H (x − x*), H = [[P, B], [−Bᵀ, Q]], P and Q symmetric with eigenvalues spread over [0.5, 1.5] (so the
 * symmetric part of H is ≽ 0.5 I), B with N(0, 1/d) entries (the rotational, game-like part).
 *
 * <p>Worker i's oracle at iteration k: T(x) − H δ_i + σ ξ / √m, ξ ~ N(0, I_{2d}) drawn from a stream seeded by
 * (seed, i, k) (reproducible whatever the call order: checkpoints and the extra g_0 call change nothing).
 * δ_i are optional shard offsets (non-iid data: worker i alone would converge to x* + δ_i), scaled by the
 * heterogeneity h and centered so that Σ_i δ_i = 0 and the workers' operators average to T.
 */
public final class QuadraticGame implements Game {
    private final int d;
    private final int workers;
    private final long seed;
    private final double[][] h;        // 2d × 2d
    private final double[] solution;   // x*, length 2d
    private final float[] hf;          // H, row-major float
    private final float[][] target;    // x* + δ_i per worker, float
    private final double noiseScale;   // σ / √m
    private final float[][] initial;

    /**
     * @param dimension     d (each player)
     * @param workers       M
     * @param heterogeneity h: scale of the shard offsets δ_i (0 = iid)
     * @param noise         σ ≥ 0
     * @param batch         minibatch size m ≥ 1 (the noise per call is σ/√m)
     * @param seed          game, initial point and noise streams
     */
    public QuadraticGame(int dimension, int workers, double heterogeneity, double noise, int batch, long seed) {
        if (dimension < 1) {
            throw new IllegalArgumentException("dimension must be >= 1, got " + dimension);
        }
        if (workers < 1) {
            throw new IllegalArgumentException("workers must be >= 1, got " + workers);
        }
        if (!(heterogeneity >= 0)) {
            throw new IllegalArgumentException("heterogeneity must be >= 0, got " + heterogeneity);
        }
        if (!(noise >= 0)) {
            throw new IllegalArgumentException("noise must be >= 0, got " + noise);
        }
        if (batch < 1) {
            throw new IllegalArgumentException("batch must be >= 1, got " + batch);
        }
        this.d = dimension;
        this.workers = workers;
        this.seed = seed;
        this.noiseScale = noise / Math.sqrt(batch);
        Random rnd = new Random(seed);
        double[][] p = symmetric(d, rnd);
        double[][] q = symmetric(d, rnd);
        double[][] b = LinearAlgebra.gaussian(d, d, 1 / Math.sqrt(d), rnd);
        int n = 2 * d;
        h = new double[n][n];
        for (int i = 0; i < d; i++) {
            for (int j = 0; j < d; j++) {
                h[i][j] = p[i][j];
                h[i][d + j] = b[i][j];
                h[d + i][j] = -b[j][i];
                h[d + i][d + j] = q[i][j];
            }
        }
        hf = LinearAlgebra.toFloats(h);
        solution = new double[n];
        for (int i = 0; i < n; i++) {
            solution[i] = rnd.nextGaussian();
        }
        // x_0 before the offsets: H, x* and x_0 depend on the seed only, not on M or h (comparable runs).
        initial = new float[2][d];
        for (int pl = 0; pl < 2; pl++) {
            for (int i = 0; i < d; i++) {
                initial[pl][i] = (float) (solution[pl * d + i] + 2 * rnd.nextGaussian());
            }
        }
        double[][][] delta = new double[workers][1][n];
        for (int w = 0; w < workers; w++) {
            for (int i = 0; i < n; i++) {
                delta[w][0][i] = heterogeneity * rnd.nextGaussian();
            }
        }
        LinearAlgebra.center(delta);
        target = new float[workers][n];
        for (int w = 0; w < workers; w++) {
            for (int i = 0; i < n; i++) {
                target[w][i] = (float) (solution[i] + delta[w][0][i]);
            }
        }
    }

    private static double[][] symmetric(int d, Random rnd) {
        double[][] o = LinearAlgebra.randomOrthogonal(d, rnd);
        return LinearAlgebra.fromSvd(o, LinearAlgebra.spread(d, 0.5, 1.5), o);
    }

    @Override
    public String name() {
        return "quadratic";
    }

    @Override
    public int workers() {
        return workers;
    }

    @Override
    public List<String> playerNames() {
        return List.of("u", "v");
    }

    @Override
    public float[][] initialPoint() {
        return new float[][] {initial[0].clone(), initial[1].clone()};
    }

    /** x* as (u*, v*). */
    public double[][] solution() {
        double[][] s = new double[2][d];
        System.arraycopy(solution, 0, s[0], 0, d);
        System.arraycopy(solution, d, s[1], 0, d);
        return s;
    }

    @Override
    public GradientOracle oracle(int rank) {
        float[] t = target[rank];
        int n = 2 * d;
        return new TwoPlayerOracle(initial) {
            @Override
            public void computeGradients(long iteration) {
                Random noise = noiseScale > 0 ? new Random(LinearAlgebra.mixSeed(seed, rank, iteration)) : null;
                for (int r = 0; r < n; r++) {
                    double acc = 0;
                    for (int c = 0; c < d; c++) {
                        acc += hf[r * n + c] * ((double) u.get(c) - t[c]);
                    }
                    for (int c = 0; c < d; c++) {
                        acc += hf[r * n + d + c] * ((double) v.get(c) - t[d + c]);
                    }
                    if (noise != null) {
                        acc += noiseScale * noise.nextGaussian();
                    }
                    if (r < d) {
                        gu.put(r, (float) acc);
                    } else {
                        gv.put(r - d, (float) acc);
                    }
                }
            }
        };
    }

    @Override
    public double residual(double[][] x) {
        int n = 2 * d;
        double s = 0;
        for (int r = 0; r < n; r++) {
            double acc = 0;
            for (int c = 0; c < n; c++) {
                double xc = c < d ? x[0][c] : x[1][c - d];
                acc += h[r][c] * (xc - solution[c]);
            }
            s += acc * acc;
        }
        return Math.sqrt(s);
    }

    @Override
    public boolean hasKnownSolution() {
        return true;
    }

    @Override
    public double error(double[][] x) {
        double s = 0;
        for (int i = 0; i < d; i++) {
            double du = x[0][i] - solution[i];
            double dv = x[1][i] - solution[d + i];
            s += du * du + dv * dv;
        }
        return s;
    }
}
