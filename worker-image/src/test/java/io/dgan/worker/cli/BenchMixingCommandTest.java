package io.dgan.worker.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

/** Runs the real benchmark on small vectors: checks the report, never the timings. */
class BenchMixingCommandTest {
    @Test
    void jsonReportHasBothPathsTheRatiosAndAllocation() {
        CliRun run = CliRun.of("bench", "mixing", "--sizes", "1000,5K", "--repetitions", "3", "--warmup", "2", "--json");
        assertThat(run.exitCode()).isZero();
        assertThat(run.err()).contains("mixing 1000 floats");
        JsonNode doc = run.json();
        assertThat(doc.get("benchmark").asText()).isEqualTo("mixing");
        assertThat(doc.get("targetRatio").asDouble()).isEqualTo(0.9);
        assertThat(doc.get("bufferPath").asText()).isEqualTo(io.dgan.gossip.MixingKernel.bufferPath());
        JsonNode results = doc.get("results");
        assertThat(results.size()).isEqualTo(2);
        assertThat(results.get(0).get("floats").asInt()).isEqualTo(1000);
        assertThat(results.get(1).get("floats").asInt()).isEqualTo(5000);
        for (JsonNode r : results) {
            // The loop, the heap path and the direct path did the same rounds on the same data: same bits.
            assertThat(r.get("bitIdentical").asBoolean()).isTrue();
            assertThat(r.get("neighbours").asInt()).isEqualTo(2);
            for (String variant : new String[] {"heap", "direct"}) {
                JsonNode e = r.get(variant);
                assertThat(e.get("ratioToLoop").asDouble()).isPositive();
                assertThat(e.get("bytesAllocatedPerCall").isNumber()).isTrue();
                assertThat(e.get("timing").get("gigabytesPerSecond").asDouble()).isPositive();
            }
            assertThat(r.get("loop").get("medianSeconds").asDouble()).isPositive();
        }
    }

    @Test
    void readableTable() {
        CliRun run = CliRun.of("bench", "mixing", "--sizes", "2000", "--repetitions", "1", "--warmup", "0");
        assertThat(run.exitCode()).isZero();
        assertThat(run.out()).contains("loop", "heap", "direct", "vs loop", "bit-identical across loop, heap and direct: yes");
    }
}
