package io.dgan.training;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class GanTrainerTest {
    @TempDir
    Path dir;

    private static TrainConfig small(String algorithm) {
        return TrainConfig.defaults("mlp", "ring8").withWorkers(3, "ring", algorithm)
                .withData(null, "iid", "bce", 16, 5).withReporting(2, 0, 0, 200).withIterations(11)
                .withOptimizer(1e-3, 1e-3, 0.5, 0.9);
    }

    private static PrintStream quiet() {
        return new PrintStream(new ByteArrayOutputStream());
    }

    /** N+M iterations straight equal N, checkpoint, a fresh process state, resume, M more: bit for bit. */
    @ParameterizedTest
    @ValueSource(strings = {"dp-oadam", "cp-oadam", "dposg"})
    void resumeContinuesExactly(String algorithm) throws IOException {
        TrainConfig cfg = small(algorithm);
        GanTrainer.Summary straight = new GanTrainer(cfg, dir.resolve("straight"), false, quiet()).run();

        Path split = dir.resolve("split");
        GanTrainer.Summary firstPart = new GanTrainer(cfg.withIterations(6), split, false, quiet()).run();
        assertThat(firstPart.paramDigests()).doesNotContainAnyElementsOf(straight.paramDigests());
        GanTrainer.Summary resumed = new GanTrainer(cfg, split, true, quiet()).run();

        assertThat(resumed.startIteration()).isEqualTo(6);
        assertThat(resumed.paramDigests()).isEqualTo(straight.paramDigests());
        // Checkpoints of the two runs are byte-identical (params and optimizer state).
        for (int r = 0; r < 3; r++) {
            assertThat(Files.readAllBytes(Checkpoints.latest(split.resolve("checkpoints"), r)))
                    .isEqualTo(Files.readAllBytes(Checkpoints.latest(dir.resolve("straight/checkpoints"), r)));
        }
        if (!algorithm.equals("cp-oadam")) {
            // Decentralized workers drift apart (different minibatches); the centralized ones stay identical.
            assertThat(straight.paramDigests()).doesNotHaveDuplicates();
        } else {
            assertThat(straight.paramDigests()).containsOnly(straight.paramDigests().get(0));
        }
        // metrics.jsonl of the resumed run: iterations 2,4,6 from the first part, then 8,10,11, no duplicates.
        List<Long> its = Files.readAllLines(split.resolve("metrics.jsonl")).stream()
                .map(l -> parse(l).get("iteration").asLong()).toList();
        assertThat(its).containsExactly(2L, 4L, 6L, 8L, 10L, 11L);
    }

    @Test
    void runDirectoryHoldsConfigMetricsPlotsSamplesAndSummary() throws IOException {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        GanTrainer.Summary s = new GanTrainer(small("dp-oadam").withReporting(2, 5, 0, 300), dir, false,
                new PrintStream(err)).run();
        for (String f : List.of("config.json", "metrics.jsonl", "summary.json", "losses.png", "consensus.png",
                "modesCovered.png", "highQualityFraction.png", "samples.png", "samples/iter-0000005.png", "samples/iter-0000011.png",
                "checkpoints/rank-0-it11.ckpt", "checkpoints/latest.json")) {
            assertThat(dir.resolve(f)).as(f).isNotEmptyFile();
        }
        List<String> lines = Files.readAllLines(dir.resolve("metrics.jsonl"));
        assertThat(lines).hasSize(7); // sync points 2, 4, 5 (eval), 6, 8, 10, 11
        JsonNode last = parse(lines.get(6));
        assertThat(last.get("iteration").asLong()).isEqualTo(11);
        assertThat(last.get("consensus").asDouble()).isGreaterThan(0);
        assertThat(last.get("modes").asInt()).isEqualTo(8);
        assertThat(last.get("highQualityFraction").asDouble()).isBetween(0.0, 1.0);
        int hq = 0;
        for (JsonNode c : last.get("samplesPerMode")) {
            hq += c.asInt();
        }
        assertThat(last.get("samplesPerMode")).hasSize(8);
        assertThat(hq).isEqualTo((int) Math.round(last.get("highQualityFraction").asDouble() * last.get("evalSamples").asInt()));
        assertThat(s.finalEvaluation()).containsKey("modesCovered");
        assertThat(err.toString()).contains("[it 10/11]").contains("it/s").contains("ETA");
        JsonNode summary = new ObjectMapper().readTree(dir.resolve("summary.json").toFile());
        assertThat(summary.get("paramDigests")).hasSize(3);

        // The same directory again without --resume is refused; --resume with another model is refused.
        assertThatThrownBy(() -> new GanTrainer(small("dp-oadam"), dir, false, quiet()).run())
                .hasMessageContaining("--resume");
        assertThatThrownBy(() -> new GanTrainer(small("dp-oadam").withData(null, "iid", "hinge", 16, 5)
                .withIterations(20), dir, true, quiet()).run())
                .hasMessageContaining("configuration differs").hasMessageContaining("loss");
    }

    private static JsonNode parse(String line) {
        try {
            return new ObjectMapper().readTree(line);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}
