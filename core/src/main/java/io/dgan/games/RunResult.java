package io.dgan.games;

import java.util.List;

/**
 * The outcome of one in-process game run.
 *
 * @param curve            sampled metrics, starting with iteration 0
 * @param iterations       iterations actually run (fewer than asked if the run diverged and was stopped)
 * @param diverged         stopped because the residual grew past the divergence limit or became non-finite
 * @param finalParameters  finalParameters[rank][player] = that rank's parameters at the end
 * @param wallSeconds      wall-clock time of the run
 */
public record RunResult(List<CurvePoint> curve, long iterations, boolean diverged, float[][][] finalParameters,
                        double wallSeconds) {
    public CurvePoint first() {
        return curve.get(0);
    }

    public CurvePoint last() {
        return curve.get(curve.size() - 1);
    }

    public double initialResidual() {
        return first().residual();
    }

    public double finalResidual() {
        return last().residual();
    }

    /** initial / final residual (≥ 1 when the run converged). */
    public double reduction() {
        return initialResidual() / finalResidual();
    }

    public double maxConsensusDistance() {
        return curve.stream().mapToDouble(CurvePoint::consensusDistance).max().orElse(0);
    }

    /** Mean residual over the sampled points with iteration > fromIteration (a steadier "end" than the last). */
    public double meanResidual(long fromIteration) {
        return curve.stream().filter(p -> p.iteration() > fromIteration)
                .mapToDouble(CurvePoint::residual).average().orElse(Double.NaN);
    }

    /** Mean of ‖x̄ − x*‖² over the sampled points with iteration > fromIteration. */
    public double meanError(long fromIteration) {
        return curve.stream().filter(p -> p.iteration() > fromIteration)
                .mapToDouble(CurvePoint::error).average().orElse(Double.NaN);
    }
}
