package io.dgan.training;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** Training with a spectrally normalised discriminator: resume stays bit-exact (u is checkpointed). */
class SpectralNormTrainingTest {
    @TempDir
    Path dir;

    private static TrainConfig small(String model) {
        return TrainConfig.defaults(model, "ring8").withWorkers(3, "ring", "dp-oadam")
                .withData(null, "iid", "bce", 16, 5).withReporting(2, 0, 0, 200).withIterations(11)
                .withOptimizer(1e-3, 1e-3, 0.5, 0.9);
    }

    private static PrintStream quiet() {
        return new PrintStream(new ByteArrayOutputStream());
    }

    @Test
    void resumeWithSpectralNormContinuesExactly() throws IOException {
        TrainConfig cfg = small("mlp+sn");
        GanTrainer.Summary straight = new GanTrainer(cfg, dir.resolve("straight"), false, quiet()).run();
        Path split = dir.resolve("split");
        new GanTrainer(cfg.withIterations(6), split, false, quiet()).run();
        GanTrainer.Summary resumed = new GanTrainer(cfg, split, true, quiet()).run();
        assertThat(resumed.startIteration()).isEqualTo(6);
        assertThat(resumed.paramDigests()).isEqualTo(straight.paramDigests());
        for (int r = 0; r < 3; r++) {
            byte[] a = Files.readAllBytes(Checkpoints.latest(split.resolve("checkpoints"), r));
            assertThat(a).isEqualTo(Files.readAllBytes(Checkpoints.latest(dir.resolve("straight/checkpoints"), r)));
            assertThat(new String(a, java.nio.charset.StandardCharsets.ISO_8859_1)).contains("D.sn.u");
        }
        // Spectral norm changes the run (same seed without it gives other parameters and another layout hash).
        GanTrainer.Summary plain = new GanTrainer(small("mlp"), dir.resolve("plain"), false, quiet()).run();
        assertThat(plain.paramDigests()).doesNotContainAnyElementsOf(straight.paramDigests());
        assertThat(plain.layoutHash()).isNotEqualTo(straight.layoutHash());
    }
}
