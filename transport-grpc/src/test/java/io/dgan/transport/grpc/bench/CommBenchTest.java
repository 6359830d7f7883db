package io.dgan.transport.grpc.bench;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class CommBenchTest {

    @Test
    void theModelReproducesTheFiguresOfTheDesignNote() {
        // algorithm.md: m = 9 MB, 1 Gbps, M = 8: α = 0.1 ms → 128 vs 145 ms; α = 50 ms → 826 vs 194 ms; M = 16 → 1635.
        Map<String, Double> fast = CommBench.model(8, 9_000_000, Duration.ofNanos(100_000), 125_000_000);
        assertThat(fast.get("ring-allreduce") * 1e3).isCloseTo(127.4, within(0.5));
        assertThat(fast.get("ring-gossip") * 1e3).isCloseTo(144.1, within(0.5));
        Map<String, Double> slow = CommBench.model(8, 9_000_000, Duration.ofMillis(50), 125_000_000);
        assertThat(slow.get("ring-allreduce") * 1e3).isCloseTo(826.0, within(0.5));
        assertThat(slow.get("ring-gossip") * 1e3).isCloseTo(194.0, within(0.5));
        assertThat(slow.get("one-peer-hypercube") * 1e3).isCloseTo(122.0, within(0.5));
        assertThat(CommBench.model(16, 9_000_000, Duration.ofMillis(50), 125_000_000).get("ring-allreduce") * 1e3)
                .isCloseTo(1635.0, within(0.5));
    }

    @Test
    void autoDilationIsTheSmallestFactorThatMakesTheHostCostAFifthOfTheModelAtMost() {
        Map<String, Double> model = new LinkedHashMap<>(Map.of("a", 0.1, "b", 1.0));
        Map<String, Double> host = new LinkedHashMap<>(Map.of("a", 0.05, "b", 0.1));
        // a: 0.05 <= 0.2·k·0.1 needs k >= 2.5 → 3; b: k >= 0.5 → 1.
        assertThat(CommBench.autoDilation(model, host)).isEqualTo(3.0);
        assertThat(CommBench.autoDilation(model, Map.of("a", 0.001, "b", 0.001))).isEqualTo(1.0);
        assertThat(CommBench.autoDilation(model, Map.of("a", 1000.0, "b", 0.0)))
                .isEqualTo((double) CommBench.MAX_DILATION);
    }

    @Test
    void refusesWorkerCountsWithoutAHypercubeAndBadDilation() {
        assertThatThrownBy(() -> CommBench.run(new CommBench.Options(6, 4096, Duration.ZERO, 0, 1), s -> { }))
                .hasMessageStartingWith("--workers");
        assertThatThrownBy(() -> CommBench.run(new CommBench.Options(2, 4096, Duration.ZERO, 0, 1, false, 0.5),
                s -> { })).hasMessageStartingWith("--time-dilation");
    }

    /** Emulated delays are a floor: no pattern can beat α + its bytes at the paced rate (not an upper time bound). */
    private static void assertAtLeastTheModel(List<CommBench.Pattern> patterns) {
        assertThat(patterns).extracting(CommBench.Pattern::name)
                .containsExactly("ring-gossip", "one-peer-hypercube", "ring-allreduce");
        for (CommBench.Pattern p : patterns) {
            assertThat(p.measuredSeconds()).as(p.name()).isGreaterThanOrEqualTo(0.9 * p.modelSeconds());
            assertThat(p.unemulatedSeconds()).as(p.name()).isPositive();
        }
    }

    @Test
    void workersAsThreadsPayAtLeastTheEmulatedCost() throws Exception {
        // 4 workers, 400 kB, 20 ms, 40 MB/s per node egress: gossip >= 20 + 20 ms, all-reduce >= 6·20 + 15 ms.
        CommBench.Result r = CommBench.runFull(new CommBench.Options(4, 400_000, Duration.ofMillis(20), 40_000_000, 2,
                false, 1), s -> { });
        assertThat(r.dilation()).isEqualTo(1.0);
        assertAtLeastTheModel(r.patterns());
    }

    @Test
    void workersAsProcessesPayAtLeastTheEmulatedCostWithADilatedEmulation() throws Exception {
        CommBench.Result r = CommBench.runFull(new CommBench.Options(2, 40_000, Duration.ofMillis(10), 10_000_000, 1,
                true, 2), s -> { });
        assertThat(r.dilation()).isEqualTo(2.0);
        assertAtLeastTheModel(r.patterns());
    }
}
