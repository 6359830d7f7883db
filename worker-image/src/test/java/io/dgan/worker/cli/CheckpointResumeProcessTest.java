package io.dgan.worker.cli;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Checkpoints a crash cannot strand, with two {@code dgan worker} JVMs over gRPC (MLP GAN on ring8, a few
 * iterations): each rank keeps its last three; after a crash between the two ranks' writes of the last one, a resume
 * starts from the newest iteration both have and ends bit-identical to an uninterrupted run; with no common
 * checkpoint it stops at once with one line saying why.
 */
class CheckpointResumeProcessTest {
    @TempDir
    Path dir;

    private static List<String> train(Path runDir, int iterations, String... more) {
        List<String> args = new ArrayList<>(List.of("train", "--workers", "2", "--model", "mlp", "--dataset",
                "ring8", "--algorithm", "dp-oadam", "--topology", "ring", "--batch", "16", "--lr-g", "1e-3",
                "--lr-d", "2e-3", "--log-every", "5", "--checkpoint-every", "5", "--seed", "3",
                "--iterations", Integer.toString(iterations), "--run-dir", runDir.toString(), "--json"));
        args.addAll(List.of(more));
        return args;
    }

    @Test
    void aResumeStartsFromTheNewestIterationEveryRankHasAndMatchesAnUninterruptedRun() throws Exception {
        CliRun straight = CliRun.of(train(dir.resolve("straight"), 25).toArray(String[]::new));
        assertThat(straight.exitCode()).as(straight.err()).isZero();

        Path broken = dir.resolve("broken");
        CliRun first = CliRun.of(train(broken, 20).toArray(String[]::new));
        assertThat(first.exitCode()).as(first.err()).isZero();
        Path checkpoints = broken.resolve("checkpoints");
        // The last three of each rank are kept.
        assertThat(io.dgan.training.Checkpoints.iterations(checkpoints, 0)).containsExactly(10, 15, 20);
        assertThat(io.dgan.training.Checkpoints.iterations(checkpoints, 1)).containsExactly(10, 15, 20);
        // Nothing left to train after the newest checkpoint: one line before any worker process starts.
        CliRun nothingLeft = CliRun.of(train(broken, 20, "--resume").toArray(String[]::new));
        assertThat(nothingLeft.exitCode()).isEqualTo(2);
        assertThat(nothingLeft.err().strip().lines().reduce((x, y) -> y).orElseThrow())
                .isEqualTo("dgan train: --iterations 20 must exceed the checkpoint's iteration 20 to resume "
                        + "(see 'dgan train --help')");
        assertThat(nothingLeft.err()).doesNotContain("[rank ");
        // A crash after rank 0 wrote iteration 20 and before rank 1 did.
        Files.delete(io.dgan.training.Checkpoints.file(checkpoints, 1, 20));

        CliRun resumed = CliRun.of(train(broken, 25, "--resume").toArray(String[]::new));
        assertThat(resumed.exitCode()).as(resumed.err()).isZero();
        assertThat(resumed.err()).contains("resuming from iteration 15, the newest checkpoint every rank has");
        JsonNode a = resumed.json();
        JsonNode b = straight.json();
        assertThat(a.get("paramDigests")).isEqualTo(b.get("paramDigests"));

        // No iteration in common (rank 1 lost all of its): one line naming the problem, promptly, exit != 0.
        try (var files = Files.list(checkpoints)) {
            for (Path f : files.filter(f -> f.getFileName().toString().startsWith("rank-1-")).toList()) {
                Files.delete(f);
            }
        }
        long t0 = System.nanoTime();
        CliRun stranded = CliRun.of(train(broken, 40, "--resume").toArray(String[]::new));
        assertThat(stranded.exitCode()).isNotZero();
        assertThat(stranded.err()).contains("cannot resume: no checkpoint iteration is common to all ranks "
                + "(newest per rank: 0=25, 1=none)").doesNotContain("\tat ");
        assertThat(stranded.err().strip().lines().reduce((x, y) -> y).orElseThrow())
                .startsWith("dgan train: worker rank ").contains("exited with code 1");
        assertThat((System.nanoTime() - t0) / 1e9).isLessThan(60);
    }

    @Test
    void sigtermWritesACheckpointAtTheNextSyncPointAndTheRunResumesFromIt() throws Exception {
        Path run = dir.resolve("terminated");
        // a sync point every 5 iterations, a periodic checkpoint every 10
        List<String> args = new ArrayList<>(train(run, 5000));
        int at = args.indexOf("--checkpoint-every");
        args.set(at + 1, "10");
        args.remove("--json");
        TrainCommand flags = new TrainCommand();
        picocli.CommandLine cli = new picocli.CommandLine(flags);
        cli.parseArgs(args.subList(1, args.size()).toArray(String[]::new));
        flags.spec = cli.getCommandSpec();
        io.dgan.training.TrainConfig config = flags.buildConfig();
        java.util.concurrent.atomic.AtomicReference<LocalWorkers> launcher = new java.util.concurrent.atomic.AtomicReference<>();
        java.io.StringWriter log = new java.io.StringWriter();
        java.io.PrintWriter err = new java.io.PrintWriter(log, true);
        var training = java.util.concurrent.CompletableFuture.runAsync(() ->
                TrainCommand.runWorkerProcesses(config, run, false, "float32", false, err, launcher::set));
        // Once both ranks are past a few sync points, the pod of rank 1 is deleted: SIGTERM.
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.MINUTES.toNanos(4);
        Path metrics = run.resolve("metrics.jsonl");
        while (!(Files.exists(metrics) && Files.readAllLines(metrics).size() >= 3)) {
            assertThat(System.nanoTime()).as("progress before the deadline; log:\n" + log).isLessThan(deadline);
            Thread.sleep(200);
        }
        // The job is suspended: every pod is deleted at once, SIGTERM to every worker.
        launcher.get().processes().forEach(ProcessHandle::destroy);
        assertThat(training).failsWithin(java.time.Duration.ofMinutes(2));
        java.util.regex.Matcher stopped = java.util.regex.Pattern
                .compile("\\[rank (\\d)\\] asked to stop: checkpoint of iteration (\\d+) written").matcher(log.toString());
        assertThat(stopped.find()).as(log.toString()).isTrue();
        int rank = Integer.parseInt(stopped.group(1));
        long k = Long.parseLong(stopped.group(2));
        assertThat(k % 5).isZero(); // at a sync point
        assertThat(io.dgan.training.Checkpoints.iterations(run.resolve("checkpoints"), rank)).contains(k);

        // A resume starts from the newest iteration both ranks have: the stop's.
        long[] rank0 = io.dgan.training.Checkpoints.iterations(run.resolve("checkpoints"), 0);
        long[] rank1 = io.dgan.training.Checkpoints.iterations(run.resolve("checkpoints"), 1);
        long common = io.dgan.training.Checkpoints.newestCommon(List.of(rank0, rank1));
        assertThat(common).as("rank 0 %s, rank 1 %s", java.util.Arrays.toString(rank0),
                java.util.Arrays.toString(rank1)).isPositive();
        // The stop is agreed at the sync point: every rank keeps a checkpoint of the iteration a rank stopped at,
        // even the one that got its SIGTERM later (blocked on the stopped rank, it reaches no sync point of its own).
        assertThat(common).as("newest common checkpoint; log:%n%s", log).isEqualTo(k);
        List<String> again = new ArrayList<>(args);
        again.set(again.indexOf("--iterations") + 1, Long.toString(common + 5));
        again.add("--resume");
        CliRun resumed = CliRun.of(again.toArray(String[]::new));
        assertThat(resumed.exitCode()).as(resumed.err()).isZero();
        assertThat(resumed.err()).contains("resuming from iteration " + common + ",");
    }

    @Test
    void cliFailuresAreOneLineWithoutAStackTrace() throws Exception {
        Path file = Files.writeString(dir.resolve("a-file"), "x");
        CliRun unwritable = CliRun.of("train", "--in-process", "--workers", "2", "--iterations", "2",
                "--run-dir", file.resolve("run").toString());
        assertThat(unwritable.exitCode()).isNotZero();
        assertThat(unwritable.err().strip()).startsWith("dgan train: ").contains("run").doesNotContain("\tat ")
                .hasLineCount(1);
    }
}
