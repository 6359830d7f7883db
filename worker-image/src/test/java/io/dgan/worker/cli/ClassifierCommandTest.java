package io.dgan.worker.cli;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class ClassifierCommandTest {
    @TempDir
    Path dir;

    private void idx(String name, int dims, int[] shape, byte[] data) throws IOException {
        try (DataOutputStream out = new DataOutputStream(Files.newOutputStream(dir.resolve(name)))) {
            out.writeInt(0x800 | dims);
            for (int s : shape) {
                out.writeInt(s);
            }
            out.write(data);
        }
    }

    @Test
    void trainsCachesAndReportsTestAccuracy() throws Exception {
        int n = 64;
        byte[] px = new byte[n * 784];
        byte[] labels = new byte[n];
        for (int i = 0; i < n; i++) {
            labels[i] = (byte) (i % 2);
            for (int p = 0; p < 784; p++) {
                px[i * 784 + p] = (byte) (((p / 28 < 14) == (i % 2 == 0)) ? 220 : 20);
            }
        }
        for (String split : new String[]{"train", "t10k"}) {
            idx(split + "-images-idx3-ubyte", 3, new int[]{n, 28, 28}, px);
            idx(split + "-labels-idx1-ubyte", 1, new int[]{n}, labels);
        }
        Path target = dir.resolve("clf");
        GameCommandTest.Run r = GameCommandTest.run("classifier", "train", "--dataset", "mnist", "--data-dir",
                dir.toString(), "--epochs", "2", "--dir", target.toString(), "--json");
        assertThat(r.exit()).as(r.err()).isZero();
        JsonNode j = JsonOutput.mapper().readTree(r.out());
        assertThat(j.get("testAccuracy").asDouble()).isGreaterThan(0.9); // two trivially separable classes
        assertThat(j.get("trainImages").asInt()).isEqualTo(64);
        assertThat(target.resolve("classifier.zip")).isNotEmptyFile();
        assertThat(target.resolve("classifier.json")).isNotEmptyFile();
    }

    @Test
    void badArgumentsExitWith2() {
        GameCommandTest.Run mixture = GameCommandTest.run("classifier", "train", "--dataset", "ring8");
        assertThat(mixture.exit()).isEqualTo(2);
        assertThat(mixture.err()).contains("--dataset");
        GameCommandTest.Run epochs = GameCommandTest.run("classifier", "train", "--epochs", "0");
        assertThat(epochs.exit()).isEqualTo(2);
        assertThat(epochs.err()).contains("--epochs");
        GameCommandTest.Run bench = GameCommandTest.run("bench", "step", "--model", "vae");
        assertThat(bench.exit()).isEqualTo(2);
        assertThat(bench.err()).contains("--model");
    }
}
