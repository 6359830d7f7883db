package io.dgan.training;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dgan.transport.InMemoryNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** One GanWorker per rank (threads over the in-memory transport here; processes over gRPC in worker-image). */
class GanWorkerTest {
    @TempDir
    Path dir;

    @Test
    void ranksRunSeparatelyEndBitIdenticalToTheThreadRunner() throws Exception {
        TrainConfig cfg = TrainConfig.defaults("mlp", "ring8").withWorkers(3, "ring", "dp-oadam")
                .withData(null, "iid", "bce", 16, 7).withReporting(3, 5, 5, 200).withIterations(11)
                .withOptimizer(1e-3, 1e-3, 0.5, 0.9);
        GanTrainer.Summary reference = new GanTrainer(cfg, dir.resolve("threads"), false,
                new PrintStream(new ByteArrayOutputStream())).run();

        Path runDir = dir.resolve("workers");
        InMemoryNetwork network = new InMemoryNetwork(3);
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        ExecutorService pool = Executors.newFixedThreadPool(3);
        List<Future<GanTrainer.Summary>> ranks = new ArrayList<>();
        try {
            for (int r = 0; r < 3; r++) {
                GanWorker w = new GanWorker(cfg, runDir, r, false, new PrintStream(log, true));
                int rank = r;
                ranks.add(pool.submit(() -> w.run(network.transport(rank))));
            }
            GanTrainer.Summary rank0 = ranks.get(0).get();
            for (int r = 1; r < 3; r++) {
                assertThat(ranks.get(r).get().paramDigests()).containsExactly(reference.paramDigests().get(r));
            }
            assertThat(rank0.paramDigests()).isEqualTo(reference.paramDigests());
            assertThat(rank0.layoutHash()).isEqualTo(reference.layoutHash());
        } finally {
            pool.shutdownNow();
            network.close();
        }
        // Same run directory layout, same records; consensus and losses equal to float precision.
        for (String f : List.of("config.json", "metrics.jsonl", "summary.json", "losses.png", "consensus.png",
                "samples/iter-0000005.png", "checkpoints/rank-2-it11.ckpt", "checkpoints/latest.json")) {
            assertThat(runDir.resolve(f)).as(f).isNotEmptyFile();
        }
        // Generator snapshots of the network average at each evaluation (float x̄ here, double mean there).
        try (var snaps = Files.list(dir.resolve("threads/snapshots"))) {
            for (Path p : snaps.toList()) {
                assertThat(runDir.resolve("snapshots").resolve(p.getFileName())).as(p.getFileName().toString())
                        .isNotEmptyFile();
            }
        }
        for (int r = 0; r < 3; r++) {
            assertThat(Files.readAllBytes(Checkpoints.latest(runDir.resolve("checkpoints"), r)))
                    .isEqualTo(Files.readAllBytes(Checkpoints.latest(dir.resolve("threads/checkpoints"), r)));
        }
        ObjectMapper json = new ObjectMapper();
        List<String> a = Files.readAllLines(dir.resolve("threads/metrics.jsonl"));
        List<String> b = Files.readAllLines(runDir.resolve("metrics.jsonl"));
        assertThat(b).hasSameSizeAs(a);
        for (int i = 0; i < a.size(); i++) {
            JsonNode x = json.readTree(a.get(i));
            JsonNode y = json.readTree(b.get(i));
            assertThat(y.get("iteration").asLong()).isEqualTo(x.get("iteration").asLong());
            assertThat(y.get("lossD").asDouble()).isCloseTo(x.get("lossD").asDouble(), within(1e-5));
            assertThat(y.get("consensus").asDouble())
                    .isCloseTo(x.get("consensus").asDouble(), within(1e-4 * x.get("consensus").asDouble() + 1e-10));
            if (x.has("modesCovered")) {
                assertThat(y.get("modesCovered").asInt()).isEqualTo(x.get("modesCovered").asInt());
            }
        }
        assertThat(log.toString()).contains("[it 11/11]");
    }
}
