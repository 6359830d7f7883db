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
 *   <li>Connected: the graph of W, or for a schedule the union of the graphs of W_1..W_n over the same window
 *       (for a random schedule this is a property of the given seed's first {@value #RANDOM_WINDOW} iterations).</li>
 * </ul>
 *
 * @param rounds the number of iterations n the schedule figures were taken over (1 for a static W)
 */
public record MixingAnalysis(String type, int workers, int period, int rounds, double rho, double spectralGap,
                             boolean connected, List<List<Integer>> components) {
    /** Window of a random schedule for ρ and the connectivity of the union. */
    public static final int RANDOM_WINDOW = 12;

    public static MixingAnalysis of(MixingSchedule schedule) {
        int m = schedule.workers();
        if (schedule.period() == 1) {
            MixingMatrix w = schedule.at(1);
            double rho = rho(w);
            List<List<Integer>> components = Connectivity.components(w);
            return new MixingAnalysis(schedule.type(), m, 1, 1, rho, 1.0 - rho, components.size() == 1, components);
        }
        int rounds = schedule.period() > 1 ? schedule.period() : RANDOM_WINDOW;
        List<MixingMatrix> window = new ArrayList<>(rounds);
        for (int k = 1; k <= rounds; k++) {
            window.add(schedule.at(k));
        }
        double rho = rhoPerRound(window);
        List<List<Integer>> components = Connectivity.components(window);
        return new MixingAnalysis(schedule.type(), m, schedule.period(), rounds, rho, 1.0 - rho,
                components.size() == 1, components);
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
