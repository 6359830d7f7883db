package io.dgan.worker.experiment;

import java.util.List;

/** The quality measures a training run's evaluations report, and which way is better. */
final class Quality {
    /** Measures with a known direction. */
    static final List<String> KNOWN = List.of("fid", "kid", "inceptionScore", "modesCovered", "highQualityFraction");

    private Quality() {
    }

    /** -1: lower is better, +1: higher is better, 0: unknown. */
    static int direction(String metric) {
        return switch (metric) {
            case "fid", "kid" -> -1;
            case "inceptionScore", "modesCovered", "highQualityFraction" -> 1;
            default -> 0;
        };
    }

    /** Whether {@code value} is at least as good as {@code target}. */
    static boolean reaches(String metric, double value, double target) {
        return direction(metric) < 0 ? value <= target : value >= target;
    }
}
