package io.dgan.worker.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class TopologyCommandTest {
    @TempDir
    Path dir;

    private static List<String> fieldNames(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }

    @Test
    void ringJsonHasTheRequiredFieldsAndNothingElseOnStdout() {
        CliRun run = CliRun.of("topology", "--type", "ring", "--workers", "16", "--json");
        assertThat(run.exitCode()).isZero();
        assertThat(run.out().strip().lines()).hasSize(1);
        JsonNode doc = run.json();
        assertThat(fieldNames(doc)).contains("type", "workers", "rho", "spectralGap", "connected", "weights", "period");
        assertThat(doc.get("type").asText()).isEqualTo("ring");
        assertThat(doc.get("workers").asInt()).isEqualTo(16);
        assertThat(doc.get("rho").asDouble()).isCloseTo(1.0 / 3 + 2.0 / 3 * Math.cos(2 * Math.PI / 16), within(1e-9));
        assertThat(doc.get("spectralGap").asDouble()).isCloseTo(1 - doc.get("rho").asDouble(), within(1e-12));
        assertThat(doc.get("connected").asBoolean()).isTrue();
        assertThat(doc.get("period").asInt()).isEqualTo(1);
        JsonNode weights = doc.get("weights");
        assertThat(weights.size()).isEqualTo(16);
        for (JsonNode row : weights) {
            assertThat(row.size()).isEqualTo(16);
            double sum = 0;
            for (JsonNode v : row) {
                sum += v.asDouble();
            }
            assertThat(sum).isCloseTo(1.0, within(1e-12));
        }
        assertThat(weights.get(0).get(15).asDouble()).isCloseTo(1.0 / 3, within(1e-15));
        assertThat(weights.get(0).get(2).asDouble()).isZero();
    }

    @Test
    void scheduleJsonCarriesThePeriodAndTheFirstIterationsWeights() {
        JsonNode doc = CliRun.of("topology", "--type", "one-peer-hypercube", "--workers", "8", "--json").json();
        assertThat(doc.get("period").asInt()).isEqualTo(3);
        assertThat(doc.get("rho").asDouble()).isZero();
        assertThat(doc.get("connected").asBoolean()).isTrue();
        // Iteration 1 pairs i with i xor 2^(1 mod 3) = i xor 2.
        assertThat(doc.get("weights").get(0).get(2).asDouble()).isEqualTo(0.5);
        assertThat(doc.get("weights").get(0).get(1).asDouble()).isZero();

        JsonNode random = CliRun.of("topology", "--type", "random-ring", "--workers", "8", "--seed", "42", "--json").json();
        assertThat(random.get("period").asInt()).isZero();
        assertThat(random.get("seed").asLong()).isEqualTo(42);
        // SeededPermutation(8, 42, 1) = [2, 4, 7, 6, 0, 1, 3, 5]: worker 2's ring neighbours are 5 and 4.
        assertThat(random.get("weights").get(2).get(4).asDouble()).isCloseTo(1.0 / 3, within(1e-15));
        assertThat(random.get("weights").get(2).get(5).asDouble()).isCloseTo(1.0 / 3, within(1e-15));
    }

    @Test
    void userGraphFromAStringAndFromAFile() throws IOException {
        JsonNode inline = CliRun.of("topology", "--type", "graph", "--graph", "0-1,1-2,2-3,3-0", "--json").json();
        assertThat(inline.get("workers").asInt()).isEqualTo(4); // inferred from the edges
        assertThat(inline.get("rho").asDouble()).isCloseTo(1.0 / 3, within(1e-9));
        Path file = dir.resolve("star.txt");
        Files.writeString(file, "# star\n0 1\n0 2\n0 3\n");
        JsonNode star = CliRun.of("topology", "--type", "graph", "--graph-file", file.toString(), "--json").json();
        // Metropolis–Hastings on a star with 3 leaves: W_0j = 1/(1+3) = 1/4, W_00 = 1/4, W_jj = 3/4.
        assertThat(star.get("weights").get(0).get(0).asDouble()).isCloseTo(0.25, within(1e-15));
        assertThat(star.get("weights").get(1).get(1).asDouble()).isCloseTo(0.75, within(1e-15));
        assertThat(star.get("weights").get(0).get(3).asDouble()).isCloseTo(0.25, within(1e-15));
    }

    @Test
    void readableSummaryWithoutJson() {
        CliRun run = CliRun.of("topology", "--type", "torus", "--workers", "16");
        assertThat(run.exitCode()).isZero();
        assertThat(run.out()).contains("torus (static)", "workers       16", "rho           0.600000", "connected     yes",
                "weights");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "topology --type hypercube --workers 6|hypercube needs a power of two workers, got 6",
            "topology --type star --workers 4|--type: unknown topology type 'star'; valid types: ring, torus",
            "topology --type torus --workers 13|13 is prime",
            "topology --type ring --workers 0|--workers: expected at least 1, got 0",
            "topology --type ring|--workers: required for --type ring",
            "topology --type ring --workers x|--workers",
            "topology --workers 4|--type",
            "topology --type graph --graph 0-1,1-1|--graph: edge '1-1': edge 1-1 is a self loop",
            "topology --type graph --graph 0-1,2-3|graph is disconnected: 2 components {0,1} {2,3}",
            "topology --type graph --workers 3 --graph 0-1,1-5|graph edge 1-5 is out of range for 3 workers",
            "topology --type graph --workers 3|--type graph needs --graph",
            "topology --type ring --workers 4 --graph 0-1|--graph: only used with --type graph",
            "topology --type torus --workers 12 --rows 5|torus rows 5 must divide 12",
            "topology --type ring --workers 4 --bogus|--bogus",
            "bench|missing subcommand",
            "bench mixing --sizes 1X|--sizes: expected sizes like 1M,10M or 4096, got '1X'",
            "bench mixing --sizes 1000 --repetitions 0|--repetitions: expected at least 1, got 0",
    })
    void badArgumentsExitTwoWithOneLine(String args, String expected) {
        CliRun run = CliRun.of(args.split(" "));
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.out()).isEmpty();
        assertThat(run.err().strip().lines()).hasSize(1);
        assertThat(run.err()).contains(expected);
    }

    @Test
    void graphFileThatDoesNotExist() {
        CliRun run = CliRun.of("topology", "--type", "graph", "--graph-file", dir.resolve("nope.txt").toString());
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("--graph-file: ").contains("nope.txt does not exist");
    }
}
