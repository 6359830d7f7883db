package io.dgan.worker.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.dgan.worker.bench.InterleavedRunner;
import io.dgan.worker.bench.TorchEnvironment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

/**
 * {@code dgan bench step}: the DL4J side in its own JVM, the PyTorch reference in its own process, interleaved.
 * The comparison against a standalone run of the reference script needs a PyTorch venv
 * ({@link TorchEnvironment#defaultVenv()}); without one that test is skipped (the runner's fairness logic is tested
 * without torch in {@code InterleavedRunnerTest}).
 */
class BenchStepCommandTest {
    @TempDir
    Path dir;

    @Test
    void dl4jAloneRunsInAChildJvmOverInterleavedRounds() throws Exception {
        GameCommandTest.Run r = GameCommandTest.run("bench", "step", "--model", "dcgan-small", "--batch", "4",
                "--iterations", "2", "--warmup", "2", "--max-warmup", "40", "--rounds", "2", "--threads", "1",
                "--no-reference", "--json");
        assertThat(r.exit()).as(r.err()).isZero();
        JsonNode j = JsonOutput.mapper().readTree(r.out());
        assertThat(j.get("torch").isNull()).isTrue();
        assertThat(j.get("noReference").asText()).contains("no PyTorch reference");
        assertThat(j.get("runs")).hasSize(2);
        assertThat(j.get("runs").get(0).get("side").asText()).isEqualTo("dl4j");
        for (JsonNode run : j.get("runs")) {
            // at least --warmup steps, then on while the JIT is busy, at most --max-warmup
            assertThat(run.get("warmupSteps").asInt()).isBetween(2, 40);
            assertThat(run.get("warmupStepsGp").asInt()).isBetween(2, 40);
        }
        assertThat(j.get("maxWarmup").asInt()).isEqualTo(40);
        assertThat(r.err()).contains("until its JIT is quiet, at most 40");
        assertThat(j.get("dl4jMsStep").asDouble()).isPositive();
        assertThat(j.get("dl4jCpuMsStepGp").asDouble()).isPositive();
        assertThat(j.get("dl4j").get("jdk").asText()).contains(Runtime.version().toString());
        assertThat(j.get("dl4j").get("backend").asText()).contains("ompThreadsOfThisThread=1")
                .as("the child JVM gets the environment a worker runs with").contains("openblasThreadTimeout="
                        + System.getenv().getOrDefault(io.dgan.model.NativeBackend.OPENBLAS_THREAD_TIMEOUT, "4"));
        JsonNode spread = j.get("spread").get("dl4j").get("stepGp").get("ms");
        assertThat(spread.get("min").asDouble()).isLessThanOrEqualTo(spread.get("max").asDouble());
        assertThat(j.get("hardware").asText()).contains("cores");
    }

    @Test
    void anInterpreterWithoutTorchIsAOneLineErrorNamingTheFlag() {
        GameCommandTest.Run r = GameCommandTest.run("bench", "step", "--python", dir.resolve("no-python").toString());
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("--python").contains("cannot import torch").doesNotContain("Exception");
        GameCommandTest.Run both = GameCommandTest.run("bench", "step", "--python", "python3", "--debian-torch");
        assertThat(both.exit()).isEqualTo(2);
        assertThat(both.err()).contains("--debian-torch");
        GameCommandTest.Run warmups = GameCommandTest.run("bench", "step", "--warmup", "10", "--max-warmup", "5");
        assertThat(warmups.exit()).isEqualTo(2);
        assertThat(warmups.err()).contains("--max-warmup: expected at least --warmup (10), got 5")
                .doesNotContain("Exception");
        GameCommandTest.Run rounds = GameCommandTest.run("bench", "step", "--rounds", "0");
        assertThat(rounds.exit()).isEqualTo(2);
        assertThat(rounds.err()).contains("--rounds");
    }

    @Test
    @org.junit.jupiter.api.Tag("bench")
    void torchTimeInsideTheBenchmarkMatchesAStandaloneRunWithinFifteenPercent() throws Exception {
        String python = TorchEnvironment.venvPython(TorchEnvironment.defaultVenv()).toString();
        assumeThat(TorchEnvironment.torchVersion(python)).as("PyTorch in " + TorchEnvironment.defaultVenv()).isNotNull();
        Path script = dir.resolve("dcgan_step.py");
        try (InputStream in = BenchStepCommand.class.getResourceAsStream("/bench/dcgan_step.py")) {
            Files.write(script, in.readAllBytes());
        }
        String last = "";
        for (int attempt = 0; attempt < 2; attempt++) {
            double before = standalone(python, script);
            GameCommandTest.Run r = GameCommandTest.run("bench", "step", "--model", "dcgan", "--batch", "32",
                    "--iterations", "6", "--warmup", "2", "--rounds", "2", "--python", python, "--json");
            assertThat(r.exit()).as(r.err()).isZero();
            double after = standalone(python, script);
            double inBench = JsonOutput.mapper().readTree(r.out()).get("torch").get("msStep").asDouble();
            double alone = (before + after) / 2;
            last = String.format("in the benchmark %.1f ms, standalone %.1f / %.1f ms", inBench, before, after);
            if (Math.abs(inBench / alone - 1) <= 0.15) {
                return;
            }
        }
        throw new AssertionError("PyTorch step time inside bench step is not within 15 % of a standalone run: " + last);
    }

    private static double standalone(String python, Path script) throws Exception {
        Process p = new ProcessBuilder(python, script.toString(), "32", "6", "2", "2")
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertThat(p.waitFor(5, TimeUnit.MINUTES)).isTrue();
        JsonNode j = JsonOutput.mapper().readTree(out.substring(out.lastIndexOf('\n') + 1));
        JsonNode ms = j.get("samples").get("step").get("ms");
        double[] v = new double[ms.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = ms.get(i).asDouble();
        }
        return InterleavedRunner.median(v);
    }
}
