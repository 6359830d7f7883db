package io.dgan.worker.cli;

import io.dgan.training.TrainConfig;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class TrainCommandTest {
    @TempDir
    Path dir;

    @Test
    void inProcessRunPrintsOneJsonSummaryAndFillsTheRunDirectory() throws Exception {
        GameCommandTest.Run r = GameCommandTest.run("train", "--in-process", "--workers", "2", "--iterations", "6",
                "--log-every", "3", "--batch", "8", "--eval-samples", "100", "--run-dir", dir.toString(), "--json");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out().strip().lines()).hasSize(1);
        JsonNode j = JsonOutput.mapper().readTree(r.out());
        assertThat(j.get("iterations").asLong()).isEqualTo(6);
        assertThat(j.get("paramDigests")).hasSize(2);
        assertThat(j.get("finalEvaluation").get("modes").asInt()).isEqualTo(8);
        assertThat(dir.resolve("summary.json")).isNotEmptyFile();
        assertThat(Files.readAllLines(dir.resolve("metrics.jsonl"))).hasSize(2);

        GameCommandTest.Run resumed = GameCommandTest.run("train", "--in-process", "--workers", "2", "--iterations", "9",
                "--log-every", "3", "--batch", "8", "--eval-samples", "100", "--run-dir", dir.toString(), "--resume", "--json");
        assertThat(resumed.exit()).as(resumed.err()).isZero();
        assertThat(JsonOutput.mapper().readTree(resumed.out()).get("startIteration").asLong()).isEqualTo(6);
    }

    @Test
    void badArgumentsGiveOneLineAndExitCode2() {
        // Multi-process mode (the default) checks its flags before starting any worker.
        GameCommandTest.Run noWorkers = GameCommandTest.run("train", "--workers", "0");
        assertThat(noWorkers.exit()).isEqualTo(2);
        assertThat(noWorkers.err().strip().lines()).hasSize(1);
        assertThat(noWorkers.err()).contains("--workers");
        GameCommandTest.Run badModel = GameCommandTest.run("train", "--in-process", "--model", "vae");
        assertThat(badModel.exit()).isEqualTo(2);
        assertThat(badModel.err().strip().lines()).hasSize(1);
        assertThat(badModel.err()).contains("--model");
        GameCommandTest.Run badShard = GameCommandTest.run("train", "--in-process", "--shard", "dirichlet:0");
        assertThat(badShard.exit()).isEqualTo(2);
        assertThat(badShard.err()).contains("--shard");
        GameCommandTest.Run badTopology = GameCommandTest.run("train", "--in-process", "--topology", "moebius");
        assertThat(badTopology.exit()).isEqualTo(2);
        assertThat(badTopology.err()).contains("--topology");
        // A graph the workers count cannot form is refused before any worker process starts or any directory is made.
        for (String[] graph : new String[][] {{"torus", "3"}, {"torus", "7"}, {"hypercube", "6"}}) {
            Path runDir = dir.resolve("no-graph-" + graph[0] + graph[1]);
            GameCommandTest.Run noGraph = GameCommandTest.run("train", "--topology", graph[0], "--workers", graph[1],
                    "--run-dir", runDir.toString());
            assertThat(noGraph.exit()).isEqualTo(2);
            assertThat(noGraph.err().strip().lines()).hasSize(1);
            assertThat(noGraph.err()).contains("--topology: " + graph[0]).doesNotContain("worker process");
            assertThat(runDir).doesNotExist();
        }
        GameCommandTest.Run missingData = GameCommandTest.run("train", "--in-process", "--model", "dcgan",
                "--dataset", "mnist", "--data-dir", dir.resolve("nothing").toString(), "--run-dir", dir.resolve("r").toString());
        assertThat(missingData.exit()).isEqualTo(2);
        assertThat(missingData.err()).contains("train-images-idx3-ubyte.gz").contains("no such file");
    }

    /** --gossip-rounds 0 would make M independent learners: refused in one line unless --local-training asks for it. */
    @Test
    void zeroGossipRoundsNeedLocalTraining() {
        GameCommandTest.Run zero = GameCommandTest.run("train", "--in-process", "--gossip-rounds", "0");
        assertThat(zero.exit()).isEqualTo(2);
        assertThat(zero.err().strip().lines()).hasSize(1);
        assertThat(zero.err()).contains("--gossip-rounds 0").contains("--local-training");
        GameCommandTest.Run game = GameCommandTest.run("game", "--gossip-rounds", "0");
        assertThat(game.exit()).isEqualTo(2);
        assertThat(game.err()).contains("--gossip-rounds").contains("--local-training");
        TrainCommand local = new TrainCommand();
        new picocli.CommandLine(local).parseArgs("--gossip-rounds", "0", "--local-training");
        assertThat(local.buildConfig().gossipRounds()).isZero();
    }

    /** The reconstructed choices of algorithm.md reach the run's configuration; bad values name their flag. */
    @Test
    void reconstructedChoicesAreFlags() {
        TrainCommand cmd = new TrainCommand();
        new picocli.CommandLine(cmd).parseArgs("--average-moments", "--initial-direction", "zero");
        TrainConfig c = cmd.buildConfig();
        assertThat(c.averageMoments()).isTrue();
        assertThat(c.initialDirection()).isEqualTo("zero");
        TrainCommand defaults = new TrainCommand();
        new picocli.CommandLine(defaults).parseArgs();
        assertThat(defaults.buildConfig().averageMoments()).isFalse();
        assertThat(defaults.buildConfig().initialDirection()).isEqualTo("oracle");
        GameCommandTest.Run bad = GameCommandTest.run("train", "--in-process", "--initial-direction", "random");
        assertThat(bad.exit()).isEqualTo(2);
        assertThat(bad.err().strip().lines()).hasSize(1);
        assertThat(bad.err()).contains("--initial-direction");
        GameCommandTest.Run cp = GameCommandTest.run("train", "--in-process", "--algorithm", "cp-oadam", "--average-moments");
        assertThat(cp.exit()).isEqualTo(2);
        assertThat(cp.err()).contains("--average-moments");
    }

    /** --second-moment reaches the run and the optimizer; a bad value or a non-gossip algorithm names the flag. */
    @Test
    void secondMomentIsAFlag() {
        TrainCommand cmd = new TrainCommand();
        new picocli.CommandLine(cmd).parseArgs("--second-moment", "neighbourhood", "--algorithm", "rand-dp-oadam");
        TrainConfig c = cmd.buildConfig();
        assertThat(c.secondMoment()).isEqualTo("neighbourhood");
        assertThat(c.withIterations(5).secondMoment()).isEqualTo("neighbourhood");
        assertThat(c.identity()).isNotEqualTo(c.withSecondMoment("local").identity());
        TrainCommand defaults = new TrainCommand();
        new picocli.CommandLine(defaults).parseArgs();
        assertThat(defaults.buildConfig().secondMoment()).isEqualTo("local");
        for (String[] args : new String[][] {{"--second-moment", "mixed"},
                {"--algorithm", "cp-oadam", "--second-moment", "neighbourhood"}}) {
            java.util.List<String> all = new java.util.ArrayList<>(java.util.List.of("train", "--in-process"));
            all.addAll(java.util.List.of(args));
            GameCommandTest.Run bad = GameCommandTest.run(all.toArray(String[]::new));
            assertThat(bad.exit()).as(String.join(" ", args)).isEqualTo(2);
            assertThat(bad.err().strip().lines()).as(String.join(" ", args)).hasSize(1);
            assertThat(bad.err()).as(String.join(" ", args)).contains("--second-moment");
        }
    }
}
