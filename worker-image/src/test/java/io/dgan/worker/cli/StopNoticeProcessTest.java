package io.dgan.worker.cli;

import io.dgan.transport.grpc.FreePorts;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A rank that stops tells its neighbours: two {@code dgan worker} processes over gRPC (a long validation game,
 * receive timeout 120 s); rank 1 gets SIGTERM mid-run and says goodbye as it exits, so rank 0, blocked on its next
 * vector, stops at once with one line naming rank 1 and why, instead of waiting out the 120 s.
 */
class StopNoticeProcessTest {
    private final List<Process> started = new ArrayList<>();

    @AfterEach
    void stopAll() {
        started.forEach(Process::destroyForcibly);
    }

    private Process start(Path dir, int rank, int[] ports, StringBuffer log) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:+UseSerialGC", "-Xmx96m", "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
                DganCli.class.getName(), "worker", "--rank", Integer.toString(rank), "--workers", "2",
                "--job", "stop-" + ProcessHandle.current().pid(),
                "--peers", "127.0.0.1:" + ports[0] + ",127.0.0.1:" + ports[1],
                "--gossip-port", Integer.toString(ports[rank]), "--bind", "127.0.0.1", "--metrics-port", "0",
                "--run-dir", dir.toString(), "--connect-timeout", "120", "--receive-timeout", "120",
                "--insecure-plaintext", "--emulate-latency", "2ms",
                "--game", "bilinear", "--dim", "5", "--algorithm", "dposg", "--lr", "0.01", "--every", "10",
                "--iterations", "100000000"));
        Process p = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        started.add(p);
        ProcessLines.follow(p, "worker-log-" + rank, line -> {
            log.append(line).append('\n');
            System.err.println(line);
        });
        return p;
    }

    @Test
    void aNeighbourOfARankAskedToStopEndsAtOnceNamingItInsteadOfWaitingOutItsReceiveTimeout(@TempDir Path dir)
            throws Exception {
        int[] ports = FreePorts.pick(2);
        StringBuffer log0 = new StringBuffer();
        StringBuffer log1 = new StringBuffer();
        Process rank0 = start(dir, 0, ports, log0);
        Process rank1 = start(dir, 1, ports, log1);
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
        while (!log0.toString().contains("] k=")) {
            assertThat(rank0.isAlive()).as(log0.toString()).isTrue();
            assertThat(System.nanoTime()).as("progress; log:%n%s", log0).isLessThan(deadline);
            Thread.sleep(100);
        }
        rank1.destroy(); // SIGTERM
        long t0 = System.nanoTime();
        assertThat(rank1.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(rank0.waitFor(60, TimeUnit.SECONDS)).as("rank 0 ended; log:%n%s", log0).isTrue();
        double seconds = (System.nanoTime() - t0) / 1e9;
        assertThat(rank0.exitValue()).isEqualTo(1);
        assertThat(log0.toString()).contains("[rank 0] failed: rank 1 was asked to stop and will send nothing more")
                .doesNotContain("timed out").doesNotContain("\tat ");
        assertThat(seconds).as("well before the 120 s receive timeout").isLessThan(60);
    }
}
