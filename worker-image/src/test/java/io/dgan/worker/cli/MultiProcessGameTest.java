package io.dgan.worker.cli;

import io.dgan.games.Game;
import io.dgan.games.GameRunner;
import io.dgan.games.RunResult;
import io.dgan.optimizer.Algorithm;
import io.dgan.optimizer.OptimizerConfig;
import io.dgan.topology.MixingSchedule;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Four {@code dgan worker} JVMs gossiping over real gRPC sockets on loopback end with parameters bit-identical to the
 * in-process run (threads over the in-memory transport) with the same flags and seeds, for every algorithm; cp-oadam
 * goes through the ring all-reduce over gRPC.
 */
class MultiProcessGameTest {
    private static final int WORKERS = 4;

    @org.junit.jupiter.api.Test
    void workersTakeTheirTopologyFromTheOperatorsTopologyFile(@TempDir Path dir) throws Exception {
        // topology.json as the operator publishes it: ring weights, epoch 3 (epochs only tag messages: same math).
        MixingSchedule ring = io.dgan.topology.Topologies.create(io.dgan.topology.TopologySpec.of("ring", WORKERS));
        java.util.Map<String, Object> topo = new java.util.LinkedHashMap<>();
        topo.put("epoch", 3);
        topo.put("type", "ring");
        topo.put("workers", WORKERS);
        topo.put("gossipRounds", 2);
        topo.put("seed", 0);
        topo.put("weights", ring.at(1).toArray());
        Path file = dir.resolve("topology.json");
        java.nio.file.Files.writeString(file, JsonOutput.toJson(topo));

        List<String> gameArgs = List.of("--game", "bilinear", "--dim", "5", "--algorithm", "dposg",
                "--topology", "complete", "--iterations", "15", "--lr", "0.05", "--seed", "3");
        GameCommand game = new GameCommand();
        CommandLine cli = new CommandLine(game);
        List<String> inProcessArgs = new ArrayList<>(gameArgs);
        inProcessArgs.set(inProcessArgs.indexOf("complete"), "ring");
        inProcessArgs.addAll(List.of("--workers=" + WORKERS, "--gossip-rounds", "2"));
        cli.parseArgs(inProcessArgs.toArray(String[]::new));
        game.spec = cli.getCommandSpec();
        game.validate(); // resolves defaults (bilinear heterogeneity 0.3) as the workers do
        Game g = game.buildGame();
        RunResult inProcess = new GameRunner(g, game.buildConfig(game.parseAlgorithm()), ring).every(15).run(15);

        List<String> workerArgs = new ArrayList<>(gameArgs);
        workerArgs.addAll(List.of("--topology-file", file.toString()));
        StringWriter log = new StringWriter();
        float[][][] multi = new LocalWorkers(WORKERS, workerArgs, dir.resolve("run"), new PrintWriter(log, true),
                List.of("-XX:+UseSerialGC", "-Xmx128m", "-XX:TieredStopAtLevel=1")).run(new int[] {5, 5});
        assertThat(log.toString()).contains("dposg on ring");
        for (int r = 0; r < WORKERS; r++) {
            for (int p = 0; p < 2; p++) {
                assertThat(multi[r][p]).as("rank %d player %d", r, p).containsExactly(inProcess.finalParameters()[r][p]);
            }
        }
    }

    @ParameterizedTest(name = "{0} on {1}")
    @CsvSource({"gda, ring", "dposg, ring", "dp-oadam, ring", "rand-dp-oadam, random-ring", "cp-oadam, ring"})
    void fourWorkerProcessesMatchTheInProcessRunBitForBit(String algorithm, String topology, @TempDir Path dir)
            throws Exception {
        List<String> gameArgs = new ArrayList<>(List.of("--game", "bilinear", "--dim", "6", "--algorithm", algorithm,
                "--topology", topology, "--iterations", "25", "--lr", "0.05", "--heterogeneity", "0.5", "--seed", "7"));
        if (algorithm.contains("oadam")) {
            gameArgs.addAll(List.of("--beta1", "0.5", "--beta2", "0.9"));
        }

        GameCommand game = new GameCommand();
        List<String> inProcessArgs = new ArrayList<>(gameArgs);
        inProcessArgs.add("--workers=" + WORKERS);
        CommandLine cli = new CommandLine(game);
        cli.parseArgs(inProcessArgs.toArray(String[]::new));
        game.spec = cli.getCommandSpec();
        game.validate(); // resolves defaults (bilinear heterogeneity 0.3) as the workers do
        Algorithm algo = game.parseAlgorithm();
        Game g = game.buildGame();
        OptimizerConfig config = game.buildConfig(algo);
        MixingSchedule schedule = game.buildTopology(topology);
        RunResult inProcess = new GameRunner(g, config, schedule).every(25).run(25);

        StringWriter log = new StringWriter();
        int[] lengths = Arrays.stream(g.initialPoint()).mapToInt(a -> a.length).toArray();
        float[][][] multi = new LocalWorkers(WORKERS, gameArgs, dir, new PrintWriter(log, true),
                List.of("-XX:+UseSerialGC", "-Xmx128m", "-XX:TieredStopAtLevel=1")).run(lengths);

        assertThat(log.toString()).contains("[rank 3] done");
        for (int r = 0; r < WORKERS; r++) {
            for (int p = 0; p < lengths.length; p++) {
                float[] expected = inProcess.finalParameters()[r][p];
                float[] actual = multi[r][p];
                assertThat(actual).hasSameSizeAs(expected);
                for (int i = 0; i < expected.length; i++) {
                    assertThat(Float.floatToRawIntBits(actual[i])).as("rank %d player %d element %d", r, p, i)
                            .isEqualTo(Float.floatToRawIntBits(expected[i]));
                }
            }
        }
        // The run did move: the parameters are not the initial point any more.
        assertThat(multi[0][0]).isNotEqualTo(g.initialPoint()[0]);
    }
}
