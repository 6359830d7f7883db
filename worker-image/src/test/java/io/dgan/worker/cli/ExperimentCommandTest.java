package io.dgan.worker.cli;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** dgan experiment end to end: a 2-worker, few-iteration grid of real dgan train runs, rerun, and bad specs. */
class ExperimentCommandTest {
    @TempDir
    Path dir;

    @Test
    void aSmallGridRunsEveryRunReportsThemTogetherAndARerunKeepsWhatIsDone() throws Exception {
        Path spec = dir.resolve("spec.yaml");
        Files.writeString(spec, """
                name: ci-smoke
                description: DP-OAdam against CP-OAdam, 2 worker processes, a few iterations
                train:
                  workers: 2
                  dataset: ring8
                  iterations: 12
                  batch: 16
                  log-every: 3
                  eval-every: 6
                  eval-samples: 200
                  insecure-plaintext: true
                grid:
                  algorithm: [dp-oadam, cp-oadam]
                compare: {metric: highQualityFraction, reference: {algorithm: cp-oadam}}
                """);
        Path out = dir.resolve("out");
        CliRun first = CliRun.of("experiment", spec.toString(), "--out", out.toString(), "--json");
        assertThat(first.exitCode()).as(first.err()).isZero();
        assertThat(first.err()).contains("[1/2] algorithm-dp-oadam: started", "[2/2] algorithm-cp-oadam: done in");
        JsonNode doc = first.json();
        assertThat(doc.path("runs")).hasSize(2);
        for (JsonNode run : doc.path("runs")) {
            assertThat(run.path("status").asText()).isEqualTo("done");
            assertThat(run.path("iterations").asLong()).isEqualTo(12);
            assertThat(run.path("iterMs").asDouble()).isPositive();
            assertThat(run.path("highQualityFraction").isNumber()).isTrue();
            assertThat(run.path("target").isNumber()).isTrue();
        }
        // Each run is a real dgan train directory: its own summary, curves and parameters of both ranks.
        Path dp = out.resolve("runs").resolve("algorithm-dp-oadam");
        assertThat(dp.resolve("summary.json")).isNotEmptyFile();
        assertThat(dp.resolve("params-rank1.f32")).isNotEmptyFile();
        assertThat(out.resolve("logs").resolve("algorithm-dp-oadam.log")).isNotEmptyFile();
        assertThat(Files.readAllLines(out.resolve("results.csv"))).hasSize(3);
        assertThat(Files.readAllLines(out.resolve("groups.csv"))).hasSize(3);
        assertThat(out.resolve("spec.yaml")).hasSameTextualContentAs(spec);
        for (String plot : List.of("highQualityFraction-vs-iteration.png", "highQualityFraction-vs-time.png",
                "modesCovered-vs-iteration.png", "consensus.png", "iteration-split.png")) {
            assertThat(out.resolve("plots").resolve(plot)).isNotEmptyFile();
        }
        long modified = Files.getLastModifiedTime(dp.resolve("summary.json")).toMillis();

        // Rerun: nothing is trained again and the results are the same.
        CliRun again = CliRun.of("experiment", spec.toString(), "--out", out.toString(), "--json");
        assertThat(again.exitCode()).as(again.err()).isZero();
        assertThat(again.err()).contains("[1/2] algorithm-dp-oadam: done before, kept").doesNotContain("started");
        assertThat(Files.getLastModifiedTime(dp.resolve("summary.json")).toMillis()).isEqualTo(modified);
        assertThat(again.json().path("runs")).isEqualTo(doc.path("runs"));

        // A run stopped after its final checkpoint but before its summary has nothing left to resume: it runs again.
        Files.delete(dp.resolve("summary.json"));
        CliRun resumed = CliRun.of("experiment", spec.toString(), "--out", out.toString());
        assertThat(resumed.exitCode()).as(resumed.err()).isZero();
        assertThat(resumed.err()).contains("[1/2] algorithm-dp-oadam: its last checkpoint is its final iteration",
                "[1/2] algorithm-dp-oadam: started", "[2/2] algorithm-cp-oadam: done before, kept");
        assertThat(dp.resolve("summary.json")).isNotEmptyFile();

        // More iterations in the spec: the finished runs continue from their last checkpoint.
        Files.writeString(spec, Files.readString(spec).replace("iterations: 12", "iterations: 18"));
        CliRun longer = CliRun.of("experiment", spec.toString(), "--out", out.toString(), "--json");
        assertThat(longer.exitCode()).as(longer.err()).isZero();
        assertThat(longer.err()).contains("[1/2] algorithm-dp-oadam: continuing a shorter run of it to 18 iterations",
                "[1/2] algorithm-dp-oadam: resuming from its last checkpoint");
        for (JsonNode run : longer.json().path("runs")) {
            assertThat(run.path("iterations").asLong()).isEqualTo(18);
        }
        assertThat(Files.readString(out.resolve("logs").resolve("algorithm-dp-oadam.log")))
                .contains("resuming from iteration 12");

        // A changed spec that would reuse a run directory for other flags is refused before anything runs.
        Files.writeString(spec, Files.readString(spec).replace("batch: 16", "batch: 8"));
        CliRun changed = CliRun.of("experiment", spec.toString(), "--out", out.toString());
        assertThat(changed.exitCode()).isEqualTo(2);
        assertThat(changed.err().strip()).doesNotContain("\n")
                .contains("run algorithm-dp-oadam:", "holds a run started with other flags");
    }

    /**
     * A learning-rate sweep whose largest value diverges: that run is a result (status diverged, with the line saying
     * where), not a failure; the experiment goes on without --keep-going, exits 0, and a rerun keeps it.
     */
    @Test
    void aRunThatDivergesIsReportedAsDivergedAndTheSweepGoesOn() throws Exception {
        Path spec = dir.resolve("sweep.yaml");
        Files.writeString(spec, """
                name: lr-sweep
                train:
                  workers: 2
                  in-process: true
                  dataset: ring8
                  iterations: 6
                  batch: 16
                  log-every: 3
                  eval-every: 6
                  eval-samples: 200
                grid:
                  lr: [1e6, 1e-3]
                """);
        Path out = dir.resolve("out");
        CliRun first = CliRun.of("experiment", spec.toString(), "--out", out.toString(), "--json");
        assertThat(first.exitCode()).as(first.err()).isZero();
        assertThat(first.err()).contains("[1/2] lr-1000000.0: diverged: rank ", " diverged at iteration 1: the ",
                "[2/2] lr-0.001: done in", "(1 diverged)").doesNotContain("failed runs");
        JsonNode runs = first.json().path("runs");
        assertThat(runs.get(0).path("status").asText()).isEqualTo("diverged");
        assertThat(runs.get(1).path("status").asText()).isEqualTo("done");
        assertThat(Files.readAllLines(out.resolve("results.csv")).get(1)).contains("diverged");

        CliRun again = CliRun.of("experiment", spec.toString(), "--out", out.toString());
        assertThat(again.exitCode()).as(again.err()).isZero();
        assertThat(again.err()).contains("[1/2] lr-1000000.0: diverged before, kept (rank ")
                .contains("[2/2] lr-0.001: done before, kept").doesNotContain("started");
    }

    @Test
    void aRunsBadFlagIsRefusedBeforeAnythingRunsNamingTheRun() throws Exception {
        Path spec = dir.resolve("bad.yaml");
        Files.writeString(spec, "name: bad\ntrain: {workers: 2}\ngrid: {algorithm: [dp-oadam, no-such-algorithm]}\n");
        CliRun r = CliRun.of("experiment", spec.toString(), "--out", dir.resolve("out").toString());
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err().strip()).doesNotContain("\n").contains("spec " + spec, "run algorithm-no-such-algorithm:");
        assertThat(dir.resolve("out")).doesNotExist();

        Files.writeString(spec, "name: bad\ngrid: {workers: [2]}\ntrain: {no-such-flag: 1}\n");
        r = CliRun.of("experiment", spec.toString(), "--dry-run");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("run workers-2:", "no-such-flag", "dgan train's flags ('dgan train --help')");

        r = CliRun.of("experiment", dir.resolve("missing.yaml").toString());
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("missing.yaml: no such file");
    }

    @Test
    void aDryRunPrintsEveryRunsCommandAndWritesNothing() {
        Path out = dir.resolve("never");
        CliRun r = CliRun.of("experiment", Path.of("../examples/experiments/ring8-latency.yaml").toString(),
                "--out", out.toString(), "--dry-run");
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.err()).contains("dgan train ", "--emulate-latency 50ms");
        assertThat(out).doesNotExist();
    }

    @Test
    void everyCommittedSpecPassesADryRun() throws Exception {
        List<Path> specs;
        try (var files = Files.list(Path.of("../examples/experiments"))) {
            specs = files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList();
        }
        assertThat(specs).hasSizeGreaterThanOrEqualTo(5);
        for (Path spec : specs) {
            Path out = dir.resolve("dry-" + spec.getFileName());
            CliRun r = CliRun.of("experiment", spec.toString(), "--out", out.toString(), "--dry-run");
            assertThat(r.exitCode()).as(spec + ": " + r.err()).isZero();
            assertThat(r.err()).as(spec.toString()).contains("dgan train --");
            assertThat(out).as(spec.toString()).doesNotExist();
        }
    }
}
