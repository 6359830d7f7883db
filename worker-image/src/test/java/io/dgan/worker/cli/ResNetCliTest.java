package io.dgan.worker.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.dgan.data.CifarReader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The WGAN-GP ResNet end to end through the CLI: {@code dgan train --model resnet-wgan-gp} on a small CIFAR-10
 * binary file the test writes (there is no CIFAR-10 here), with and without spectral norm, on Fashion-MNIST
 * (28×28 variant), and {@code dgan bench step --model resnet-wgan-gp}. Tiny batches: one full-size step of this
 * model takes tens of seconds on two cores.
 */
class ResNetCliTest {
    @TempDir
    Path dir;

    /** Five CIFAR-10 training batches of {@code records} random images each (labels 0..9). */
    static Path writeCifar(Path folder, int records) throws Exception {
        Files.createDirectories(folder);
        Random rng = new Random(1);
        for (String name : CifarReader.TRAIN_FILES) {
            byte[] b = new byte[records * CifarReader.RECORD];
            rng.nextBytes(b);
            for (int r = 0; r < records; r++) {
                b[r * CifarReader.RECORD] = (byte) rng.nextInt(10);
            }
            Files.write(folder.resolve(name), b);
        }
        return folder;
    }

    @Test
    void trainsOnCifar10AndResumes() throws Exception {
        Path data = writeCifar(dir.resolve("cifar"), 4);
        Path run = dir.resolve("run");
        String[] args = {"train", "--in-process", "--model", "resnet-wgan-gp", "--dataset", "cifar10",
                "--data-dir", data.toString(), "--loss", "wgan-gp", "--workers", "2", "--batch", "2",
                "--iterations", "2", "--log-every", "1", "--eval-samples", "4",
                "--classifier-dir", dir.resolve("no-classifier").toString(), "--run-dir", run.toString(), "--json"};
        GameCommandTest.Run r = GameCommandTest.run(args);
        assertThat(r.exit()).as(r.err()).isZero();
        JsonNode j = JsonOutput.mapper().readTree(r.out());
        assertThat(j.get("iterations").asLong()).isEqualTo(2);
        assertThat(j.get("paramDigests")).hasSize(2);
        assertThat(Files.readAllLines(run.resolve("metrics.jsonl"))).hasSize(2);
        for (String line : Files.readAllLines(run.resolve("metrics.jsonl"))) {
            JsonNode m = JsonOutput.mapper().readTree(line);
            assertThat(m.toString()).doesNotContain("NaN");
        }
        assertThat(run.resolve("samples.png")).isNotEmptyFile();

        args[15] = "3"; // --iterations 3, resumed from the checkpoint at 2
        GameCommandTest.Run resumed = GameCommandTest.run(append(args, "--resume"));
        assertThat(resumed.exit()).as(resumed.err()).isZero();
        assertThat(JsonOutput.mapper().readTree(resumed.out()).get("startIteration").asLong()).isEqualTo(2);
    }

    @Test
    void spectralNormFlagAndFashionMnist() throws Exception {
        Path run = dir.resolve("fmnist");
        GameCommandTest.Run r = GameCommandTest.run("train", "--in-process", "--model", "resnet-wgan-gp",
                "--spectral-norm", "--dataset", "fashion-mnist", "--loss", "wgan-gp", "--workers", "1", "--batch", "2",
                "--iterations", "1", "--eval-samples", "4", "--classifier-dir", dir.resolve("none").toString(),
                "--run-dir", run.toString(), "--json");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(Files.readString(run.resolve("config.json"))).contains("\"resnet-wgan-gp+sn\"");

        GameCommandTest.Run bad = GameCommandTest.run("train", "--in-process", "--model", "resnet",
                "--run-dir", dir.resolve("bad").toString());
        assertThat(bad.exit()).isEqualTo(2);
        assertThat(bad.err()).contains("--model").contains("resnet-wgan-gp");
    }

    @Test
    void benchStepTimesTheResNet() throws Exception {
        GameCommandTest.Run r = GameCommandTest.run("bench", "step", "--model", "resnet-wgan-gp", "--batch", "2",
                "--iterations", "1", "--warmup", "0", "--rounds", "1", "--no-reference", "--json");
        assertThat(r.exit()).as(r.err()).isZero();
        JsonNode j = JsonOutput.mapper().readTree(r.out());
        assertThat(j.get("model").asText()).isEqualTo("resnet-wgan-gp");
        assertThat(j.get("dl4jMsStep").asDouble()).isPositive();
        assertThat(j.get("dl4jMsStepGp").asDouble()).isPositive();
        assertThat(j.get("torch").isNull()).isTrue();
    }

    private static String[] append(String[] a, String extra) {
        String[] b = java.util.Arrays.copyOf(a, a.length + 1);
        b[a.length] = extra;
        return b;
    }
}
