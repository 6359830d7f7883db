package io.dgan.games;

/**
 * Metrics at one sampled iteration, all at the network average x̄ (iteration 0 is the initial point).
 *
 * @param iteration         k
 * @param residual          ‖T(x̄)‖ of the global operator
 * @param consensusDistance (1/M) Σ_i ‖x_i − x̄‖²
 * @param error             ‖x̄ − x*‖² (NaN when the solution is unknown)
 */
public record CurvePoint(long iteration, double residual, double consensusDistance, double error) {
}
