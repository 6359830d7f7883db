package io.dgan.worker.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Local multi-process mode stops every worker when one dies, leaving no process behind and no port taken. */
class LocalWorkersFailureTest {
    @Test
    void whenOneWorkerDiesTheOthersAreStoppedAndTheirPortsFreed(@TempDir Path dir) throws Exception {
        StringWriter log = new StringWriter();
        LocalWorkers launcher = new LocalWorkers(3, List.of("--game", "bilinear", "--dim", "4", "--algorithm", "dposg",
                "--iterations", "100000000"), dir, new PrintWriter(log, true), List.of("-XX:+UseSerialGC", "-Xmx128m"));
        CompletableFuture<float[][][]> run = CompletableFuture.supplyAsync(() -> {
            try {
                return launcher.run(new int[] {4, 4});
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        // Wait until the workers are iterating, then kill rank 1 outright.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!log.toString().contains("waiting for ranks") || launcher.processes().size() < 3) {
            assertThat(System.nanoTime()).as("workers started; log:%n%s", log).isLessThan(deadline);
            Thread.sleep(100);
        }
        Thread.sleep(1500);
        List<Integer> ports = gossipPorts(log.toString());
        launcher.processes().get(1).destroyForcibly();

        assertThatThrownBy(() -> run.get(60, TimeUnit.SECONDS)).hasRootCauseInstanceOf(WorkersFailed.class)
                .rootCause().hasMessageContaining("worker rank 1 exited").hasMessageContaining("stopped the other")
                .satisfies(e -> assertThat(((WorkersFailed) e).exitCode()).isEqualTo(1));
        assertThat(ProcessHandle.current().children().filter(ProcessHandle::isAlive).count()).isZero();
        for (int port : ports) {
            try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
                assertThat(s.getLocalPort()).isEqualTo(port);
            }
        }
    }

    private static List<Integer> gossipPorts(String log) {
        Matcher m = Pattern.compile("gossip port (\\d+)").matcher(log);
        List<Integer> ports = new java.util.ArrayList<>();
        while (m.find()) {
            ports.add(Integer.parseInt(m.group(1)));
        }
        return ports;
    }
}
