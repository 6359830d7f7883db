package io.dgan.training;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The 2-D acceptance target (slow: ~10 min per algorithm on 2 idle cores, far more on busy ones; run with -Pslow):
 * ring of 8 Gaussians (σ = 0.02), 4 workers on a ring, 10,000 iterations, BCE loss, TTUR learning rates
 * G 1e-4 / D 5e-4, β = (0.5, 0.999), batch 256 per worker → all 8 modes and at least 70% high-quality samples at
 * the network average. Batch 256, not 64: at 64, seeds 1 and 2 kept one mode thin (7/8 up to 20,000 iterations)
 * although seed 0 covered all 8; at 256 every seed tried covered 8 by 3,000 (docs/gan.md).
 */
@Tag("slow")
class RingAcceptanceTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"dp-oadam", "cp-oadam"})
    void ringOfEightGaussians(String algorithm) {
        TrainConfig cfg = TrainConfig.defaults("mlp", "ring8").withWorkers(4, "ring", algorithm)
                .withData(null, "iid", "bce", 256, 0).withIterations(10_000)
                .withOptimizer(1e-4, 5e-4, 0.5, 0.999).withReporting(500, 2500, 0, 2500);
        GanTrainer.Summary s = new GanTrainer(cfg, dir, false, System.err).run();
        assertThat(((Number) s.finalEvaluation().get("modesCovered")).intValue()).isEqualTo(8);
        assertThat(((Number) s.finalEvaluation().get("highQualityFraction")).doubleValue()).isGreaterThanOrEqualTo(0.7);
    }
}
