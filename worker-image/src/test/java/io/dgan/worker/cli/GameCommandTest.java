package io.dgan.worker.cli;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class GameCommandTest {
    record Run(int exit, String out, String err) {
    }

    static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = DganCli.newCommandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int exit = cli.execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    /** --processes hands the game, topology and algorithm flags to the workers: they run the same game. */
    @Test
    void workerProcessesRunTheGameTheFlagsDescribe() throws Exception {
        String[] flags = {"--workers", "2", "--iterations", "20", "--dim", "3", "--algorithm", "dp-oadam",
                "--lr", "0.05", "--gossip-rounds", "2", "--seed", "4", "--json"};
        Run threads = run(java.util.stream.Stream.concat(java.util.stream.Stream.of("game"),
                java.util.Arrays.stream(flags)).toArray(String[]::new));
        Run processes = run(java.util.stream.Stream.concat(java.util.stream.Stream.of("game", "--processes"),
                java.util.Arrays.stream(flags)).toArray(String[]::new));
        assertThat(processes.exit()).as(processes.err()).isZero();
        JsonNode a = JsonOutput.mapper().readTree(threads.out());
        JsonNode b = JsonOutput.mapper().readTree(processes.out());
        assertThat(b.get("consensusDistance").asDouble()).isEqualTo(a.get("consensusDistance").asDouble());
        assertThat(b.get("finalResidual").asDouble()).isCloseTo(a.get("finalResidual").asDouble(),
                org.assertj.core.data.Percentage.withPercentage(1));
    }

    @Test
    void jsonSummaryOfAConvergingBilinearRun() throws Exception {
        Run r = run("game", "--game", "bilinear", "--dim", "10", "--workers", "4", "--topology", "ring",
                "--algorithm", "dposg", "--iterations", "3000", "--lr", "0.1", "--heterogeneity", "0.3", "--json");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out().strip().lines()).hasSize(1);
        JsonNode j = JsonOutput.mapper().readTree(r.out());
        assertThat(j.get("algorithm").asText()).isEqualTo("dposg");
        assertThat(j.get("topology").asText()).isEqualTo("ring");
        assertThat(j.get("workers").asInt()).isEqualTo(4);
        assertThat(j.get("iterations").asLong()).isEqualTo(3000);
        double initial = j.get("initialResidual").asDouble();
        double fin = j.get("finalResidual").asDouble();
        assertThat(fin).isLessThan(initial * 1e-3);
        assertThat(j.get("reduction").asDouble()).isCloseTo(initial / fin, org.assertj.core.api.Assertions.within(1e-6 * initial / fin));
        assertThat(j.get("maxConsensusDistance").asDouble()).isPositive();
        assertThat(j.get("consensusDistance").asDouble()).isLessThan(j.get("maxConsensusDistance").asDouble());
        assertThat(j.has("wallSeconds")).isTrue();
        assertThat(r.err()).contains("k=3000");  // progress went to stderr
    }

    @Test
    void theIssuesExampleCommandHasWorkersThatReallyDiffer() throws Exception {
        // Exactly the example of the engine issue: no --heterogeneity, so the bilinear default (0.3) applies.
        Run r = run("game", "--game", "bilinear", "--dim", "10", "--workers", "8", "--topology", "ring",
                "--algorithm", "dposg", "--iterations", "5000", "--lr", "0.1", "--seed", "1", "--json");
        assertThat(r.exit()).as(r.err()).isZero();
        JsonNode j = JsonOutput.mapper().readTree(r.out());
        assertThat(j.get("heterogeneity").asDouble()).isEqualTo(0.3);
        assertThat(j.get("maxConsensusDistance").asDouble()).isGreaterThan(1e-6);
        assertThat(j.get("finalResidual").asDouble()).isLessThan(1e-3 * j.get("initialResidual").asDouble());
    }

    @Test
    void gdaDivergesAndIsReportedAsSuch() throws Exception {
        Run r = run("game", "--workers", "3", "--algorithm", "gda", "--iterations", "20000", "--json");
        assertThat(r.exit()).as(r.err()).isZero();
        JsonNode j = JsonOutput.mapper().readTree(r.out());
        assertThat(j.get("diverged").asBoolean()).isTrue();
        assertThat(j.get("finalResidual").asDouble()).isGreaterThan(1e3 * j.get("initialResidual").asDouble());
    }

    @Test
    void quadraticRunWritesCurveCsvAndPng(@TempDir Path dir) throws Exception {
        Run r = run("game", "--game", "quadratic", "--dim", "4", "--workers", "2", "--topology", "complete",
                "--algorithm", "dp-oadam", "--lr", "0.01", "--iterations", "500", "--noise", "0.1", "--batch", "2",
                "--every", "50", "--out", dir.toString(), "--json");
        assertThat(r.exit()).as(r.err()).isZero();
        JsonNode j = JsonOutput.mapper().readTree(r.out());
        assertThat(j.get("finalError").asDouble()).isLessThan(j.get("initialResidual").asDouble());
        List<String> csv = Files.readAllLines(dir.resolve("curve.csv"));
        assertThat(csv.get(0)).isEqualTo("iteration,residual,consensus_distance,error");
        assertThat(csv).hasSize(1 + 11);  // header, iteration 0, then every 50th to 500
        assertThat(csv.get(11)).startsWith("500,");
        BufferedImage png = ImageIO.read(dir.resolve("curve.png").toFile());
        assertThat(png.getWidth()).isEqualTo(900);
        assertThat(png.getHeight()).isEqualTo(520);
    }

    @Test
    void badArgumentsGiveOneLineNamingTheFlagAndExitTwo() {
        // the first element is the flag the message must name
        String[][] cases = {
                {"--topology", "--topology", "bogus"}, {"--algorithm", "--algorithm", "sgd"},
                {"--lr", "--lr", "0"}, {"--lr", "--lr", "-1"}, {"--workers", "--workers", "0"},
                {"--lr-u", "--lr-u", "0"}, {"--topology", "--topology", "hypercube", "--workers", "6"},
                {"--topology", "--algorithm", "rand-dp-oadam", "--topology", "ring"},
                {"--game", "--game", "chess"}, {"--batch", "--batch", "0"},
        };
        for (String[] flagAndArgs : cases) {
            String flag = flagAndArgs[0];
            String[] c = java.util.Arrays.copyOfRange(flagAndArgs, 1, flagAndArgs.length);
            String[] args = new String[c.length + 1];
            args[0] = "game";
            System.arraycopy(c, 0, args, 1, c.length);
            Run r = run(args);
            assertThat(r.exit()).as(String.join(" ", c)).isEqualTo(2);
            assertThat(r.out()).isEmpty();
            assertThat(r.err().strip().lines()).as(r.err()).hasSize(1);
            assertThat(r.err()).contains(flag + ":");
        }
    }
}
