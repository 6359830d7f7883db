package io.dgan.worker.cli;

import io.dgan.transport.grpc.FreePorts;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A run whose training diverges stops within seconds with exit code 3 and one line saying where and why, on every
 * path: a worker process (its neighbour, which never diverged itself, stops as diverged too instead of waiting out
 * its receive timeout for a vector it would refuse), worker processes under {@code dgan train} with restarts allowed
 * (none is restarted: the same settings would diverge again), and threads ({@code --in-process}).
 */
class DivergenceProcessTest {
    @TempDir
    Path dir;

    private final List<Process> started = new ArrayList<>();

    @AfterEach
    void stopAll() {
        started.forEach(Process::destroyForcibly);
    }

    private Process worker(int rank, int[] ports, String lr, Path terminationMessage, StringBuffer log)
            throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:+UseSerialGC", "-Xmx512m", "-cp", System.getProperty("java.class.path"),
                DganCli.class.getName(), "worker", "--rank", Integer.toString(rank), "--workers", "2",
                "--job", "diverge-" + ProcessHandle.current().pid(),
                "--peers", "127.0.0.1:" + ports[0] + ",127.0.0.1:" + ports[1],
                "--gossip-port", Integer.toString(ports[rank]), "--bind", "127.0.0.1", "--metrics-port", "0",
                "--run-dir", dir.resolve("workers").toString(), "--connect-timeout", "120",
                "--receive-timeout", "300", "--insecure-plaintext",
                "--model", "mlp", "--dataset", "ring8", "--batch", "16", "--iterations", "200", "--lr", lr));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD);
        pb.environment().put(TerminationMessage.ENV, terminationMessage.toString());
        Process p = pb.start();
        started.add(p);
        ProcessLines.follow(p, "worker-log-" + rank, line -> log.append(line).append('\n'));
        return p;
    }

    @Test
    void aDivergedWorkerAndItsHealthyNeighbourBothExit3AtOnceAndSayWhyInTheirTerminationMessages()
            throws Exception {
        int[] ports = FreePorts.pick(2);
        StringBuffer log0 = new StringBuffer();
        StringBuffer log1 = new StringBuffer();
        Path message0 = dir.resolve("termination-0");
        Path message1 = dir.resolve("termination-1");
        long t0 = System.nanoTime();
        // Only rank 0's learning rate is far too high: rank 1 itself stays finite.
        Process rank0 = worker(0, ports, "1e6", message0, log0);
        Process rank1 = worker(1, ports, "1e-3", message1, log1);
        assertThat(rank0.waitFor(120, TimeUnit.SECONDS)).as("rank 0 ended; log:%n%s", log0).isTrue();
        assertThat(rank1.waitFor(60, TimeUnit.SECONDS)).as("rank 1 ended; log:%n%s", log1).isTrue();
        double seconds = (System.nanoTime() - t0) / 1e9;

        assertThat(rank0.exitValue()).as(log0.toString()).isEqualTo(3);
        assertThat(log0.toString()).contains("[rank 0] rank 0 diverged at iteration 1: the ")
                .doesNotContain("\tat ");
        assertThat(Files.readString(message0)).startsWith("rank 0 diverged at iteration 1: the ")
                .contains("no checkpoint was written before it").hasLineCount(1);

        assertThat(rank1.exitValue()).as(log1.toString()).isEqualTo(3);
        assertThat(log1.toString()).contains("[rank 1] stopped: its neighbour rank 0 diverged")
                .doesNotContain("timed out").doesNotContain("\tat ");
        assertThat(Files.readString(message1)).startsWith("stopped: its neighbour rank 0 diverged");
        assertThat(seconds).as("far below the 300 s receive timeout").isLessThan(100);
    }

    @Test
    void dganTrainStopsWithExitCode3AndRestartsNothingOverProcessesOrThreads() {
        long t0 = System.nanoTime();
        CliRun processes = CliRun.of("train", "--workers", "2", "--model", "mlp", "--dataset", "ring8", "--batch",
                "16", "--iterations", "200", "--lr", "1e6", "--restart-failed", "2",
                "--run-dir", dir.resolve("processes").toString());
        assertThat(processes.exitCode()).as(processes.err()).isEqualTo(3);
        assertThat(processes.err()).contains("diverged at iteration 1: the ")
                .contains("dgan train: the run diverged: worker rank ")
                .contains("(not restarted: the training diverged, and would again)").doesNotContain("restarting")
                .doesNotContain("\tat ");
        assertThat((System.nanoTime() - t0) / 1e9).isLessThan(120);

        CliRun threads = CliRun.of("train", "--in-process", "--workers", "2", "--model", "mlp", "--dataset",
                "ring8", "--batch", "16", "--iterations", "200", "--lr", "1e6",
                "--run-dir", dir.resolve("threads").toString());
        assertThat(threads.exitCode()).as(threads.err()).isEqualTo(3);
        assertThat(threads.err().strip().lines().reduce((a, b) -> b).orElseThrow())
                .startsWith("dgan train: rank ").contains(" diverged at iteration 1: the ")
                .doesNotContain("--debug");
    }
}
