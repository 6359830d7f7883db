package io.dgan.games;

import io.dgan.optimizer.GradientOracle;

import java.util.List;
import java.util.Random;

/**
 * min_u max_v uᵀAv over u, v ∈ R^d, split over M workers: worker i holds uᵀA_i v with A_i = A + h·Δ_i and
 * Σ_i Δ_i = 0 (centered in double), so the workers' operators average to the global one and x* = 0 is a common
 * zero of all of them (no heterogeneity bias at the solution). A = U diag(s) Vᵀ, U and V random orthogonal from the
 * seed, s spread evenly over [0.5, 1.5] (condition number 3). Δ_i has N(0, 1/d) entries before centering.
 *
 * <p>Oracle of worker i: T_i(u, v) = (A_i v, −A_iᵀ u), exact (no noise). Residual: ‖T(x̄)‖ with the global A.
 * Simultaneous gradient descent–ascent diverges on it; optimistic methods converge.
 */
public final class BilinearGame implements Game {
    private final int d;
    private final int workers;
    private final double[][] a;
    private final float[][] local;  // A_i, row-major, float
    private final float[][] initial;

    public BilinearGame(int dimension, int workers, double heterogeneity, long seed) {
        if (dimension < 1) {
            throw new IllegalArgumentException("dimension must be >= 1, got " + dimension);
        }
        if (workers < 1) {
            throw new IllegalArgumentException("workers must be >= 1, got " + workers);
        }
        if (!(heterogeneity >= 0)) {
            throw new IllegalArgumentException("heterogeneity must be >= 0, got " + heterogeneity);
        }
        this.d = dimension;
        this.workers = workers;
        Random rnd = new Random(seed);
        double[][] u = LinearAlgebra.randomOrthogonal(d, rnd);
        double[][] v = LinearAlgebra.randomOrthogonal(d, rnd);
        this.a = LinearAlgebra.fromSvd(u, LinearAlgebra.spread(d, 0.5, 1.5), v);
        // x_0 before the perturbations: A and x_0 depend on the seed only, not on M or h (comparable runs).
        this.initial = new float[2][d];
        for (int p = 0; p < 2; p++) {
            for (int k = 0; k < d; k++) {
                initial[p][k] = (float) rnd.nextGaussian();
            }
        }
        double[][][] delta = new double[workers][][];
        for (int i = 0; i < workers; i++) {
            delta[i] = LinearAlgebra.gaussian(d, d, 1 / Math.sqrt(d), rnd);
        }
        LinearAlgebra.center(delta);
        this.local = new float[workers][];
        for (int i = 0; i < workers; i++) {
            double[][] ai = new double[d][d];
            for (int r = 0; r < d; r++) {
                for (int c = 0; c < d; c++) {
                    ai[r][c] = a[r][c] + heterogeneity * delta[i][r][c];
                }
            }
            local[i] = LinearAlgebra.toFloats(ai);
        }
    }

    @Override
    public String name() {
        return "bilinear";
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

    @Override
    public GradientOracle oracle(int rank) {
        float[] ai = local[rank];
        return new TwoPlayerOracle(initial) {
            @Override
            public void computeGradients(long iteration) {
                for (int r = 0; r < d; r++) {  // ∇_u = A_i v
                    double acc = 0;
                    for (int c = 0; c < d; c++) {
                        acc += ai[r * d + c] * v.get(c);
                    }
                    gu.put(r, (float) acc);
                }
                for (int c = 0; c < d; c++) {  // −∇_v = −A_iᵀ u
                    double acc = 0;
                    for (int r = 0; r < d; r++) {
                        acc += ai[r * d + c] * u.get(r);
                    }
                    gv.put(c, (float) -acc);
                }
            }
        };
    }

    @Override
    public double residual(double[][] x) {
        return Math.sqrt(LinearAlgebra.squaredNorm(LinearAlgebra.multiply(a, x[1]))
                + LinearAlgebra.squaredNorm(LinearAlgebra.multiplyTransposed(a, x[0])));
    }

    @Override
    public boolean hasKnownSolution() {
        return true;
    }

    @Override
    public double error(double[][] x) {
        return LinearAlgebra.squaredNorm(x[0]) + LinearAlgebra.squaredNorm(x[1]);
    }
}
