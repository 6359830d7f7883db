package io.dgan.testing;

import io.dgan.optimizer.GradientOracle;
import io.dgan.optimizer.Player;

import java.util.ArrayList;
import java.util.List;

/** Wraps an oracle and records, for every call, the iteration index and the point (all players) it was called at. */
public final class RecordingOracle implements GradientOracle {
    private final GradientOracle delegate;
    public final List<Long> iterations = new ArrayList<>();
    public final List<double[][]> points = new ArrayList<>();

    public RecordingOracle(GradientOracle delegate) {
        this.delegate = delegate;
    }

    @Override
    public List<Player> players() {
        return delegate.players();
    }

    @Override
    public void computeGradients(long iteration) {
        List<Player> ps = delegate.players();
        double[][] point = new double[ps.size()][];
        for (int p = 0; p < ps.size(); p++) {
            point[p] = new double[ps.get(p).length()];
            for (int i = 0; i < point[p].length; i++) {
                point[p][i] = ps.get(p).params().get(i);
            }
        }
        iterations.add(iteration);
        points.add(point);
        delegate.computeGradients(iteration);
    }

    /** Evaluates {@code oracle} at x (double, rounded to float into its params) and returns its gradients. */
    public static double[][] gradientAt(GradientOracle oracle, double[][] x, long iteration) {
        List<Player> ps = oracle.players();
        for (int p = 0; p < ps.size(); p++) {
            for (int i = 0; i < x[p].length; i++) {
                ps.get(p).params().put(i, (float) x[p][i]);
            }
        }
        oracle.computeGradients(iteration);
        double[][] g = new double[ps.size()][];
        for (int p = 0; p < ps.size(); p++) {
            g[p] = new double[ps.get(p).length()];
            for (int i = 0; i < g[p].length; i++) {
                g[p][i] = ps.get(p).grads().get(i);
            }
        }
        return g;
    }
}
