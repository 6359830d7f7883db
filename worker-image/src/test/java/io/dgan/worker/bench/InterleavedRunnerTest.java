package io.dgan.worker.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

/**
 * The fairness logic of {@link InterleavedRunner} with small Python scripts that need nothing but {@code python3}:
 * a fixed-work "reference" and a noisy "ours" that keeps two busy processes running for a while after it has
 * printed its result (as a JVM's native threads may). The reference's time through the runner must match a
 * standalone run of the same script within 15 %.
 */
class InterleavedRunnerTest {
    /** Fixed work per step; prints the samples JSON the runner reads. */
    private static final String REFERENCE = """
            import json, sys, time
            started = time.time()
            n, steps = int(sys.argv[1]), int(sys.argv[2])
            def work():
                s = 0
                for i in range(n):
                    s += i * i
                return s
            for _ in range(3):
                work()
            ms, cpu = [], []
            for _ in range(steps):
                c, t = time.process_time(), time.perf_counter()
                work()
                ms.append((time.perf_counter() - t) * 1000)
                cpu.append((time.process_time() - c) * 1000)
            print(json.dumps({"name": "reference", "startedAt": started, "samples": {"step": {"ms": ms, "cpuMs": cpu}}}))
            """;
    /**
     * Starts two busy children that outlive it by {@code linger} seconds (each appends its end time to the file
     * {@code argv[2]} as it exits), works a little, prints, exits.
     */
    private static final String NOISY = """
            import json, subprocess, sys, time
            linger, ends = float(sys.argv[1]), sys.argv[2]
            busy = ("import time\\nend = time.time() + %f\\nwhile time.time() < end: pass\\n"
                    "open(%r, 'a').write('%%f\\\\n' %% time.time())") % (linger + 0.6, ends)
            kids = [subprocess.Popen([sys.executable, "-c", busy]) for _ in range(2)]
            t = time.perf_counter()
            time.sleep(0.6)
            ms = (time.perf_counter() - t) * 1000
            print(json.dumps({"name": "noisy", "samples": {"step": {"ms": [ms], "cpuMs": [0.0]}}}))
            """;

    private static final ObjectMapper JSON = new ObjectMapper();
    private static String python;

    @TempDir
    Path dir;

    @BeforeAll
    static void findPython() {
        python = "python3";
        boolean runs;
        try {
            Process p = new ProcessBuilder(python, "-c", "pass").start();
            runs = p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException | InterruptedException e) {
            runs = false;
        }
        assumeThat(runs).as("python3 on the PATH").isTrue();
    }

    @Test
    void sidesAlternateTheirOrderEveryRound() {
        assertThat(InterleavedRunner.order(2, 0)).containsExactly(0, 1);
        assertThat(InterleavedRunner.order(2, 1)).containsExactly(1, 0);
        assertThat(InterleavedRunner.order(2, 2)).containsExactly(0, 1);
        assertThat(InterleavedRunner.order(3, 1)).containsExactly(1, 2, 0);
    }

    @Test
    void theReferenceStartsOnlyAfterEveryProcessOfTheOtherSideHasEnded() throws Exception {
        Path reference = script("reference.py", REFERENCE);
        Path noisy = script("noisy.py", NOISY);
        Path ends = dir.resolve("ends.txt");
        List<InterleavedRunner.Run> runs = new InterleavedRunner(List.of(
                new InterleavedRunner.Side("ours", List.of(python, noisy.toString(), "1.5", ends.toString())),
                new InterleavedRunner.Side("reference", List.of(python, reference.toString(), "20000", "3"))),
                2, Duration.ofMinutes(2), s -> { }).run();
        assertThat(runs).extracting(InterleavedRunner.Run::side).containsExactly("ours", "reference", "reference", "ours");
        assertThat(runs).allSatisfy(r -> assertThat(r.stragglersKilled()).isZero());
        // Round 1: "ours" ran first; its two busy children outlived it by 1.5 s. The reference must not have
        // started before both ended.
        double[] kidEnds = Files.readAllLines(ends).stream().mapToDouble(Double::parseDouble).sorted().toArray();
        assertThat(kidEnds).hasSize(4);
        double referenceStart = runs.get(1).result().path("startedAt").asDouble();
        assertThat(referenceStart).isGreaterThan(kidEnds[1]);
        // Round 2's "ours" came after both reference runs: its children end after the second reference started.
        assertThat(runs.get(2).result().path("startedAt").asDouble()).isLessThan(kidEnds[2]);
    }

    @Test
    void processesOutlivingTheGracePeriodAreKilledAndCounted() throws Exception {
        Path noisy = script("noisy.py", NOISY);
        long t0 = System.nanoTime();
        List<InterleavedRunner.Run> runs = new InterleavedRunner(List.of(new InterleavedRunner.Side("ours",
                List.of(python, noisy.toString(), "60", dir.resolve("ends.txt").toString()))), 1,
                Duration.ofMinutes(2), Duration.ofSeconds(1), s -> { }).run();
        assertThat(runs.get(0).stragglersKilled()).isEqualTo(2);
        assertThat((System.nanoTime() - t0) / 1e9).isLessThan(30);
        assertThat(Files.exists(dir.resolve("ends.txt"))).isFalse();
    }

    /**
     * The timing form of the same property. Wall times on a saturated machine move by more than 15 % between two
     * standalone runs, so this runs only where the load average is below the number of cores.
     */
    @Test
    void referenceThroughTheRunnerMatchesAStandaloneRunWithinFifteenPercent() throws Exception {
        int cores = Runtime.getRuntime().availableProcessors();
        assumeThat(InterleavedRunner.loadAverage()).as("load average below the core count").isLessThan(cores);
        Path reference = script("reference.py", REFERENCE);
        Path noisy = script("noisy.py", NOISY);
        List<String> refCommand = List.of(python, reference.toString(), "400000", "15");
        String last = "";
        for (int attempt = 0; attempt < 3; attempt++) {
            double before = standaloneMedian(refCommand);
            List<InterleavedRunner.Run> runs = new InterleavedRunner(List.of(
                    new InterleavedRunner.Side("ours", List.of(python, noisy.toString(), "2.0",
                            dir.resolve("ends-" + attempt).toString())),
                    new InterleavedRunner.Side("reference", refCommand)), 2, Duration.ofMinutes(2), s -> { }).run();
            double after = standaloneMedian(refCommand);
            double inRunner = InterleavedRunner.Spread.of(
                    InterleavedRunner.roundMedians(runs, "reference", "step", "ms")).median();
            double standalone = (before + after) / 2;
            last = String.format("runner %.1f ms, standalone %.1f / %.1f ms", inRunner, before, after);
            if (Math.abs(inRunner / standalone - 1) <= 0.15) {
                return;
            }
        }
        throw new AssertionError("reference time through the runner is not within 15 % of a standalone run: " + last);
    }

    @Test
    void processesLeftByASideAreWaitedForBeforeTheNextStarts() throws Exception {
        Process busy = new ProcessBuilder(python, "-c", "import time; time.sleep(0.5)").start();
        Set<ProcessHandle> family = new LinkedHashSet<>(List.of(busy.toHandle()));
        long t0 = System.nanoTime();
        assertThat(InterleavedRunner.reapStragglers(family, Duration.ofSeconds(10))).isZero();
        // The process handle's view, which the runner waits on: Process.isAlive() may still say true for a moment
        // after the child exited, until the JDK's reaper thread has collected its exit status.
        assertThat(busy.toHandle().isAlive()).isFalse();
        assertThat((System.nanoTime() - t0) / 1e9).isGreaterThan(0.2);
    }

    @Test
    void aFailingSideIsNamedWithItsError() throws Exception {
        Path bad = script("bad.py", "import sys\nsys.stderr.write('no torch here\\n')\nsys.exit(3)\n");
        assertThatThrownBy(() -> new InterleavedRunner(List.of(new InterleavedRunner.Side("torch",
                List.of(python, bad.toString()))), 1, Duration.ofMinutes(1), s -> { }).run())
                .isInstanceOf(IOException.class)
                .hasMessageContaining("torch failed (exit 3)")
                .hasMessageContaining("no torch here");
        Path noSamples = script("nosamples.py", "print('{\"msStep\": 3}')\n");
        assertThatThrownBy(() -> new InterleavedRunner(List.of(new InterleavedRunner.Side("torch",
                List.of(python, noSamples.toString()))), 1, Duration.ofMinutes(1), s -> { }).run())
                .isInstanceOf(IOException.class)
                .hasMessageContaining("no \"samples\"");
    }

    @Test
    void ratiosArePerRound() throws Exception {
        List<InterleavedRunner.Run> runs = new ArrayList<>();
        runs.add(run(0, "a", "[10, 12, 11]"));
        runs.add(run(0, "b", "[5, 6, 5.5]"));
        runs.add(run(1, "b", "[20, 20, 20]"));
        runs.add(run(1, "a", "[30, 30, 31]"));
        assertThat(InterleavedRunner.roundMedians(runs, "a", "step", "ms")).containsExactly(11, 30);
        assertThat(InterleavedRunner.roundRatios(runs, "a", "b", "step", "ms")).containsExactly(2.0, 1.5);
        assertThat(InterleavedRunner.pooled(runs, "b", "step", "ms")).hasSize(6);
        InterleavedRunner.Spread s = InterleavedRunner.Spread.of(new double[]{3, 1, 2, 10});
        assertThat(s.min()).isEqualTo(1);
        assertThat(s.median()).isEqualTo(2.5);
        assertThat(s.max()).isEqualTo(10);
    }

    private static InterleavedRunner.Run run(int round, String side, String ms) throws IOException {
        JsonNode result = JSON.readTree("{\"samples\": {\"step\": {\"ms\": " + ms + "}}}");
        return new InterleavedRunner.Run(round, 0, side, 0, 0, 1, result, 0);
    }

    private double standaloneMedian(List<String> command) throws Exception {
        Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertThat(p.waitFor(2, TimeUnit.MINUTES)).isTrue();
        JsonNode ms = JSON.readTree(out).path("samples").path("step").path("ms");
        double[] v = new double[ms.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = ms.get(i).asDouble();
        }
        return InterleavedRunner.median(v);
    }

    private Path script(String name, String text) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, text);
        return p;
    }
}
