package io.dgan.worker.cli;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** dgan train hands --emulate-latency to its worker processes, and the split shows the wait it adds. */
class TrainEmulationTest {
    @TempDir
    Path dir;

    @Test
    void emulatedLatencyReachesTheWorkersAndShowsAsGossipWait() throws Exception {
        CliRun r = CliRun.of("train", "--workers", "2", "--iterations", "4", "--batch", "8", "--log-every", "2",
                "--eval-samples", "50", "--insecure-plaintext", "--emulate-latency", "40ms",
                "--run-dir", dir.resolve("run").toString(), "--json");
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.err()).contains("emulated latency 40ms");
        JsonNode split = JsonOutput.mapper().readTree(r.out()).get("iterationSplit");
        // Every iteration waits for at least one neighbour's vector, delayed 40 ms.
        assertThat(split.get("receiveMs").asDouble()).isGreaterThan(30);
        assertThat(split.get("iterMs").asDouble()).isGreaterThan(split.get("computeMs").asDouble());
    }
}
