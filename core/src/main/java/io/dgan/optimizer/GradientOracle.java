package io.dgan.optimizer;

import java.util.List;

/**
 * Computes, at the players' current parameters, each player's stochastic gradient of its own loss into the
 * players' gradient buffers (the operator T(x) = (∇_u F, −∇_v F) for a game, (∇θ_G L_G, ∇θ_D L_D) for a GAN).
 * Called exactly once per optimizer iteration, with a fresh minibatch.
 */
public interface GradientOracle {
    /** The players, in a fixed order; the same objects every call. */
    List<Player> players();

    /** Fill every player's grads at its current params. {@code iteration} selects the minibatch / noise. */
    void computeGradients(long iteration);
}
