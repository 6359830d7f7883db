package io.dgan.training;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The 2-D acceptance target (slow: ~15 min per algorithm on 2 busy cores; run with -Pslow): ring of 8 Gaussians
 * (σ = 0.02), 4 workers on a ring, 10,000 iterations, BCE loss, TTUR learning rates G 1e-4 / D 5e-4,
 * β = (0.5, 0.999), batch 64 → all 8 modes and at least 70% high-quality samples at the network average.
 */
@Tag("slow")
class RingAcceptanceTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"dp-oadam", "cp-oadam"})
    void ringOfEightGaussians(String algorithm) {
        TrainConfig cfg = TrainConfig.defaults("mlp", "ring8").withWorkers(4, "ring", algorithm)
                .withData(null, "iid", "bce", 64, 0).withIterations(10_000)
                .withOptimizer(1e-4, 5e-4, 0.5, 0.999).withReporting(500, 2500, 0, 2500);
        GanTrainer.Summary s = new GanTrainer(cfg, dir, false, System.err).run();
        assertThat(((Number) s.finalEvaluation().get("modesCovered")).intValue()).isEqualTo(8);
        assertThat(((Number) s.finalEvaluation().get("highQualityFraction")).doubleValue()).isGreaterThanOrEqualTo(0.7);
    }
}
