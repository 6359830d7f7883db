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
