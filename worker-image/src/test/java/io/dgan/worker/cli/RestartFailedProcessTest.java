package io.dgan.worker.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code dgan train --restart-failed}: four {@code dgan worker} JVMs over gRPC with mutual TLS (MLP GAN on ring8,
 * dp-oadam on a ring); rank 2's process is killed outright mid-run. The launcher restarts it, the new process is
 * welcomed by its neighbours at an agreed iteration and trains on from their state, every rank finishes, and the
 * summary counts the restart. Without the flag the same kill stops the run (the behaviour before it).
 */
class RestartFailedProcessTest {
    private static final long ITERATIONS = 150;

    @TempDir
    Path dir;

    private static List<String> train(Path runDir, String... more) {
        List<String> args = new ArrayList<>(List.of("--workers", "4", "--model", "mlp", "--dataset",
                "ring8", "--algorithm", "dp-oadam", "--topology", "ring", "--batch", "16", "--lr-g", "1e-3",
                "--lr-d", "2e-3", "--log-every", "5", "--eval-every", "0", "--eval-samples", "200", "--seed", "3",
                "--iterations", Long.toString(ITERATIONS), "--run-dir", runDir.toString()));
        args.addAll(List.of(more));
        return args;
    }

    private static io.dgan.training.TrainConfig config(List<String> args) {
        TrainCommand flags = new TrainCommand();
        picocli.CommandLine cli = new picocli.CommandLine(flags);
        cli.parseArgs(args.toArray(String[]::new));
        flags.spec = cli.getCommandSpec();
        return flags.buildConfig();
    }

    @Test
    void aKilledWorkerIsRestartedRejoinsFromItsNeighboursAndTheRunCompletes() throws Exception {
        Path run = dir.resolve("restarted");
        io.dgan.training.TrainConfig config = config(train(run));
        WorkerSupervisor supervisor = WorkerSupervisor.of(config, run, 2);
        AtomicReference<LocalWorkers> launcher = new AtomicReference<>();
        StringWriter log = new StringWriter();
        PrintWriter err = new PrintWriter(log, true);
        CompletableFuture<Map<String, Object>> training = CompletableFuture.supplyAsync(() ->
                TrainCommand.runWorkerProcesses(config, run, false, "float32", false, supervisor, err,
                        launcher::set));

        // Once rank 0 has logged a few sync points, rank 2's process dies (SIGKILL: no goodbye, no checkpoint).
        awaitLog(log, training, "[it 20/");
        ProcessHandle victim = launcher.get().processes().get(2);
        victim.destroyForcibly();
        assertThat(victim.onExit()).succeedsWithin(java.time.Duration.ofSeconds(30));

        Map<String, Object> summary = training.get(6, TimeUnit.MINUTES);
        String text = log.toString();
        assertThat(text).contains("dgan train: worker rank 2 exited with code 137; restarting it (1 of at most 2)")
                .contains("the run completed with 1 worker restart");
        // The new process was welcomed by both ring neighbours at the iteration the survivors agreed on.
        assertThat(text).containsPattern("\\[rank 2\\] topology epoch 2 -> 2 at iteration \\d+ \\(joined: state "
                + "averaged over ranks 1, 3, training from iteration \\d+\\)");
        for (int r = 0; r < 4; r++) {
            assertThat(text).as("rank %d finished", r).contains("[rank " + r + "] done: " + ITERATIONS + " iterations");
            assertThat(run.resolve("params-rank" + r + ".f32")).isNotEmptyFile();
        }
        assertThat(summary.get("restarts")).isEqualTo(1);
        assertThat((List<?>) summary.get("paramDigests")).hasSize(4);
        assertThat(Files.readString(run.resolve("summary.json"))).contains("\"restarts\":1");
        assertThat(ProcessHandle.current().children().filter(ProcessHandle::isAlive).count()).isZero();
    }

    @Test
    void badUsesOfTheFlagAreOneLineNamingIt() {
        CliRun inProcess = CliRun.of("train", "--in-process", "--restart-failed", "--workers", "2",
                "--iterations", "2", "--run-dir", dir.resolve("a").toString());
        assertThat(inProcess.exitCode()).isEqualTo(2);
        assertThat(inProcess.err()).contains("--restart-failed: only for worker processes");
        CliRun schedule = CliRun.of("train", "--restart-failed", "--workers", "4", "--algorithm", "rand-dp-oadam",
                "--iterations", "2", "--run-dir", dir.resolve("b").toString());
        assertThat(schedule.exitCode()).isEqualTo(2);
        assertThat(schedule.err()).contains("--restart-failed: topology random-ring redraws W");
        CliRun cp = CliRun.of("train", "--restart-failed=1", "--workers", "4", "--algorithm", "cp-oadam",
                "--iterations", "2", "--run-dir", dir.resolve("c").toString());
        assertThat(cp.exitCode()).isEqualTo(2);
        assertThat(cp.err()).contains("--restart-failed: cp-oadam cannot take a rank back");
        CliRun global = CliRun.of("train", "--restart-failed", "--workers", "4", "--second-moment", "global",
                "--iterations", "2", "--run-dir", dir.resolve("e").toString());
        assertThat(global.exitCode()).isEqualTo(2);
        assertThat(global.err()).contains("--restart-failed: --second-moment global all-reduces the gradient");
        CliRun negative = CliRun.of("train", "--restart-failed=-1", "--workers", "4",
                "--iterations", "2", "--run-dir", dir.resolve("d").toString());
        assertThat(negative.exitCode()).isEqualTo(2);
        assertThat(negative.err()).contains("--restart-failed: expected a number of restarts >= 0, got -1");
    }

    private static void awaitLog(StringWriter log, CompletableFuture<?> training, String text)
            throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(4);
        while (!log.toString().contains(text)) {
            assertThat(training).as("still training; log:%n%s", log).isNotDone();
            assertThat(System.nanoTime()).as("'%s' logged in time; log:%n%s", text, log).isLessThan(deadline);
            Thread.sleep(100);
        }
    }
}
