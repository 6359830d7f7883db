package io.dgan.transport.grpc.bench;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

class TransportBenchTest {

    @Test
    void aLongRunReportsEveryRepetitionOfBothChildren() {
        // 2,000 repetitions print ~130 KiB per child, twice what a pipe holds: a child whose output is not drained
        // while the other one is read blocks, and the run never ends.
        int reps = 2000;
        TransportBench.Options options = new TransportBench.Options(4096, reps, 1, 1, "float32", "oneway",
                1 << 20, 32 << 20, 4 << 20, 1 << 20, true, 1 << 20, List.of());
        TransportBench.Result r = assertTimeoutPreemptively(Duration.ofMinutes(3),
                () -> TransportBench.run(options, line -> { }));
        assertThat(r.grpcSamples()).hasSize(reps);
        assertThat(java.util.Arrays.stream(r.grpcSamples()).min().orElseThrow()).isPositive();
        assertThat(r.tcpSamples()).hasSize(reps);
        assertThat(java.util.Arrays.stream(r.tcpSamples()).min().orElseThrow()).isPositive();
        assertThat(r.warmupReps()).isEqualTo(1);
        assertThat(r.ratio()).isPositive().isFinite();
        assertThat(r.tls()).isNull();
    }
}
