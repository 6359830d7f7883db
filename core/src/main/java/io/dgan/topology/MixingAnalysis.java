package io.dgan.topology;

import java.util.ArrayList;
import java.util.List;

/**
 * How well a topology mixes: ρ, the spectral gap 1 − ρ and connectivity.
 *
 * <ul>
 *   <li>Static W: ρ = max(|λ2|, |λM|) from the symmetric eigensolver (M = 1: ρ = 0).</li>
 *   <li>Schedule: ρ per round = σ_max(W_n ⋯ W_1 − 11ᵀ/M)^(1/n) over iterations 1..n, n = the period for a periodic
 *       schedule and {@link #RANDOM_WINDOW} for a random one. For a static W this equals the eigenvalue ρ.</li>
 *   <li>Long-run ρ of a random schedule: the same per-round rate over {@value #LONG_RUN} rounds (the product
 *       renormalised and re-projected onto mean-free matrices as it goes), the contraction a long run actually sees. The {@value #RANDOM_WINDOW}-round
 *       window overstates it: a short product is dominated by its worst directions (random ring, M = 8/16/32:
 *       window 0.508/0.609/0.630 against about 0.45/0.52/0.55 over 1,000 rounds). Periodic and static: equal to ρ.</li>
 *   <li>Connected: the graph of W, or for a schedule the union of the graphs of W_1..W_n over the same window
 *       (for a random schedule this is a property of the given seed's first {@value #RANDOM_WINDOW} iterations).</li>
 * </ul>
 *
 * @param rounds     the number of iterations n the schedule figures were taken over (1 for a static W)
 * @param rhoLongRun per-round contraction over {@value #LONG_RUN} rounds for a random schedule, else ρ
 */
public record MixingAnalysis(String type, int workers, int period, int rounds, double rho, double spectralGap,
                             boolean connected, List<List<Integer>> components, double rhoLongRun) {
    /** Window of a random schedule for ρ and the connectivity of the union. */
    public static final int RANDOM_WINDOW = 12;
    /** Rounds of the long-run per-round rate of a random schedule. */
    public static final int LONG_RUN = 1000;

    public static MixingAnalysis of(MixingSchedule schedule) {
        int m = schedule.workers();
        if (schedule.period() == 1) {
            MixingMatrix w = schedule.at(1);
            double rho = rho(w);
            List<List<Integer>> components = Connectivity.components(w);
            return new MixingAnalysis(schedule.type(), m, 1, 1, rho, 1.0 - rho, components.size() == 1, components,
                    rho);
        }
        int rounds = schedule.period() > 1 ? schedule.period() : RANDOM_WINDOW;
        List<MixingMatrix> window = new ArrayList<>(rounds);
        for (int k = 1; k <= rounds; k++) {
            window.add(schedule.at(k));
        }
        double rho = rhoPerRound(window);
        List<List<Integer>> components = Connectivity.components(window);
        double longRun = schedule.period() > 1 ? rho : rhoLongRun(schedule, 1, LONG_RUN);
        return new MixingAnalysis(schedule.type(), m, schedule.period(), rounds, rho, 1.0 - rho,
                components.size() == 1, components, longRun);
    }

    /**
     * σ_max(W_{first+n−1} ⋯ W_first − 11ᵀ/M)^(1/n) for long products: D = P − 11ᵀ/M is carried instead of P
     * (W D = W P − 11ᵀ/M for a doubly stochastic W) and rescaled to unit Frobenius norm every round, the logs of
     * the scales summed, so nothing underflows.
     */
    public static double rhoLongRun(MixingSchedule schedule, long first, int n) {
        int m = schedule.workers();
        if (m == 1) {
            return 0.0;
        }
        double[][] d = new double[m][m];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < m; j++) {
                d[i][j] = (i == j ? 1.0 : 0.0) - 1.0 / m;
            }
        }
        double[][] next = new double[m][m];
        double logScale = 0;
        for (int k = 0; k < n; k++) {
            MixingMatrix w = schedule.at(first + k);
            double frob = 0;
            for (int i = 0; i < m; i++) {
                double self = w.weight(i, i);
                for (int c = 0; c < m; c++) {
                    next[i][c] = self * d[i][c];
                }
                for (int j : w.neighbours(i)) {
                    double wij = w.weight(i, j);
                    for (int c = 0; c < m; c++) {
                        next[i][c] += wij * d[j][c];
                    }
                }
            }
            // Re-project onto the mean-free matrices: W keeps 11ᵀ/M's direction at eigenvalue 1, so rounding there
            // would grow by 1/ρ per round against the contracting rest.
            for (int c = 0; c < m; c++) {
                double mean = 0;
                for (int i = 0; i < m; i++) {
                    mean += next[i][c];
                }
                mean /= m;
                for (int i = 0; i < m; i++) {
                    next[i][c] -= mean;
                }
            }
            for (int i = 0; i < m; i++) {
                for (int c = 0; c < m; c++) {
                    frob += next[i][c] * next[i][c];
                }
            }
            frob = Math.sqrt(frob);
            if (frob == 0) {
                return 0.0;
            }
            for (int i = 0; i < m; i++) {
                for (int c = 0; c < m; c++) {
                    next[i][c] /= frob;
                }
            }
            logScale += Math.log(frob);
            double[][] t = d;
            d = next;
            next = t;
        }
        double sigma = SymmetricEigensolver.largestSingularValue(d);
        return Math.exp((logScale + Math.log(sigma)) / n);
    }

    /** max(|λ2|, |λM|) of a symmetric W. */
    public static double rho(MixingMatrix w) {
        if (w.workers() == 1) {
            return 0.0;
        }
        double[] lambda = SymmetricEigensolver.eigenvalues(w.toArray());
        return Math.max(Math.abs(lambda[1]), Math.abs(lambda[lambda.length - 1]));
    }

    /** σ_max(W_n ⋯ W_1 − 11ᵀ/M)^(1/n), W_1 applied first. */
    public static double rhoPerRound(List<? extends MixingMatrix> rounds) {
        double[][] product = product(rounds);
        int m = product.length;
        double average = 1.0 / m;
        for (double[] row : product) {
            for (int j = 0; j < m; j++) {
                row[j] -= average;
            }
        }
        double sigma = SymmetricEigensolver.largestSingularValue(product);
        return sigma == 0.0 ? 0.0 : Math.pow(sigma, 1.0 / rounds.size());
    }

    /** W_n ⋯ W_1 as a dense array, multiplying one sparse W at a time (O(M² · degree) per round). */
    public static double[][] product(List<? extends MixingMatrix> rounds) {
        int m = rounds.get(0).workers();
        double[][] p = new double[m][m];
        for (int i = 0; i < m; i++) {
            p[i][i] = 1.0;
        }
        double[][] next = new double[m][m];
        for (MixingMatrix w : rounds) {
            for (int i = 0; i < m; i++) {
                double[] out = next[i];
                double self = w.weight(i, i);
                double[] pi = p[i];
                for (int c = 0; c < m; c++) {
                    out[c] = self * pi[c];
                }
                for (int j : w.neighbours(i)) {
                    double wij = w.weight(i, j);
                    double[] pj = p[j];
                    for (int c = 0; c < m; c++) {
                        out[c] += wij * pj[c];
                    }
                }
            }
            double[][] t = p;
            p = next;
            next = t;
        }
        return p;
    }
}
