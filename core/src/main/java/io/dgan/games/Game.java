package io.dgan.games;

import io.dgan.optimizer.GradientOracle;

import java.util.List;

/**
 * A test game for the decentralized optimizers: M workers, each with its own stochastic oracle of a shared
 * operator T (worker i's T_i average to T), a shared initial point, and the residual ‖T(x̄)‖ at the network average.
 */
public interface Game {
    String name();

    int workers();

    /** Player names, in oracle order (e.g. "u", "v"). */
    List<String> playerNames();

    /** The initial point x_0, one array per player; the same on every worker (derived from the seed). */
    float[][] initialPoint();

    /** A new oracle for worker {@code rank}, its parameter buffers set to the initial point. */
    GradientOracle oracle(int rank);

    /** ‖T(x)‖ of the global operator at x (one array per player, double precision). */
    double residual(double[][] x);

    /** Whether the solution x* is known (then {@link #error} is meaningful). */
    boolean hasKnownSolution();

    /** ‖x − x*‖² when the solution is known, NaN otherwise. */
    double error(double[][] x);
}
