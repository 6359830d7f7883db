package io.dgan.training;

import io.dgan.gossip.LiveTopology;
import io.dgan.topology.Edge;
import io.dgan.topology.MixingMatrix;
import io.dgan.topology.StaticSchedule;
import io.dgan.topology.SparseMixingMatrix;
import io.dgan.topology.Topologies;
import io.dgan.topology.TopologyEpoch;
import io.dgan.topology.TopologySpec;
import io.dgan.topology.TopologyType;
import io.dgan.transport.InMemoryNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * GanWorker following topology epochs (ranks as threads over the in-memory transport; the same code runs one rank per
 * process over gRPC): a rank dies mid-run, is cut out (the survivors' collectives and gossip go on without it), and
 * a replacement rejoins with its neighbours' parameters and optimizer state; all finish in consensus.
 */
class GanWorkerLiveTopologyTest {
    private static final int M = 4;

    @TempDir
    Path dir;

    /** W of the full ring, or the survivors' ring edges with Metropolis–Hastings weights (as the operator plans). */
    static TopologyEpoch ring(long epoch, int... excluded) {
        MixingMatrix full = Topologies.create(TopologySpec.of("ring", M)).at(1);
        if (excluded.length == 0) {
            return new TopologyEpoch(epoch, "ring", Topologies.create(TopologySpec.of("ring", M)), 1, excluded);
        }
        List<Integer> survivors = new ArrayList<>();
        int[] index = new int[M];
        for (int i = 0; i < M; i++) {
            int r = i;
            boolean out = java.util.Arrays.stream(excluded).anyMatch(x -> x == r);
            index[i] = out ? -1 : survivors.size();
            if (!out) {
                survivors.add(i);
            }
        }
        List<Edge> edges = new ArrayList<>();
        for (int i : survivors) {
            for (int j : full.neighbours(i)) {
                if (j > i && index[j] >= 0) {
                    edges.add(new Edge(index[i], index[j]));
                }
            }
        }
        double[][] small = Topologies.create(TopologySpec.of(TopologyType.GRAPH, survivors.size()).withEdges(edges))
                .at(1).toArray();
        double[][] w = new double[M][M];
        for (int r : excluded) {
            w[r][r] = 1;
        }
        for (int a = 0; a < survivors.size(); a++) {
            for (int b = 0; b < survivors.size(); b++) {
                w[survivors.get(a)][survivors.get(b)] = small[a][b];
            }
        }
        return new TopologyEpoch(epoch, "ring", new StaticSchedule(TopologyType.RING,
                SparseMixingMatrix.fromArray(w)), 1, excluded);
    }

    @Test
    void aDeadRankIsCutOutAndItsReplacementRejoinsWithItsNeighboursState() throws Exception {
        TrainConfig cfg = TrainConfig.defaults("mlp", "ring8").withWorkers(M, "ring", "dp-oadam")
                .withData(null, "iid", "bce", 16, 7).withReporting(5, 0, 0, 200).withIterations(60)
                .withOptimizer(1e-3, 1e-3, 0.5, 0.9);
        AtomicReference<TopologyEpoch> published = new AtomicReference<>(ring(1));
        List<String> lines = Collections.synchronizedList(new ArrayList<>());
        Path runDir = dir.resolve("run");
        InMemoryNetwork network = new InMemoryNetwork(M);
        ExecutorService pool = Executors.newFixedThreadPool(M + 1);
        try {
            List<Future<GanTrainer.Summary>> ranks = new ArrayList<>();
            for (int r = 0; r < M; r++) {
                int rank = r;
                // Built on the pool thread: a GanWorker caps its constructing thread's native threads (NativeBackend),
                // which must not leak into the test thread.
                ranks.add(pool.submit(() -> worker(cfg, runDir, network, rank, published, lines).progress(p -> {
                    if (rank == 3 && p.iteration() == 20) {
                        throw new IllegalStateException("rank 3 dies at iteration 20");
                    }
                }).run(network.transport(rank))));
            }
            assertThatThrownBy(() -> ranks.get(3).get(2, TimeUnit.MINUTES)).isInstanceOf(ExecutionException.class)
                    .hasMessageContaining("rank 3 dies");
            // The operator cut rank 3 out (epoch 2) and took its replacement back in (epoch 3) before the
            // survivors' mounted file changed: they only ever see epoch 3, where memberSince says that rank 3 is
            // a new process (in the graph since epoch 3).
            published.set(new TopologyEpoch(3, "ring", ring(3).schedule(), 1, new int[0], new long[] {0, 0, 0, 3}));
            Future<GanTrainer.Summary> rejoined = pool.submit(() -> worker(cfg, runDir, network, 3, published, lines)
                    .run(network.transport(3)));

            GanTrainer.Summary rank0 = ranks.get(0).get(2, TimeUnit.MINUTES);
            for (int r = 1; r < 3; r++) {
                assertThat(ranks.get(r).get(2, TimeUnit.MINUTES).iterations()).isEqualTo(60);
            }
            assertThat(rejoined.get(2, TimeUnit.MINUTES).iterations()).isEqualTo(60);

            // The survivors stopped waiting for the dead rank 3 (cut out provisionally: its edges folded into the
            // diagonal), then switched to the full epoch 3 at one agreed iteration, where the replacement joined.
            long[] at = new long[3];
            for (int r = 0; r < 3; r++) {
                int rank = r;
                assertThat(lines).anyMatch(l -> l.startsWith("[" + rank + "] topology epoch 1 -> 3")
                        && l.contains("rank 3 to join at an agreed iteration") && l.contains("excluded [3]"));
                at[r] = iteration(lines.stream().filter(l -> l.startsWith("[" + rank + "] topology epoch 3 -> 3")
                        && l.contains("agreed")).findFirst().orElseThrow());
            }
            assertThat(at).containsOnly(at[0]);
            assertThat(lines).anyMatch(l -> l.startsWith("[3] rank 3 is a replacement"));
            assertThat(lines).anyMatch(l -> l.startsWith("[3] topology epoch 3 -> 3") && l.contains("joined")
                    && l.contains("ranks 0, 2") && l.contains("training from iteration " + (at[0] + 1)));

            // Rank 0's records carry the epoch, and the consensus at the end is as small as without a failure.
            List<String> metrics = Files.readAllLines(runDir.resolve("metrics.jsonl"));
            assertThat(metrics.get(metrics.size() - 1)).contains("\"topologyEpoch\":3");
            // On a pool thread too (the thread runner caps its calling thread's native threads).
            GanTrainer.Summary reference = pool.submit(() -> new GanTrainer(cfg, dir.resolve("reference"), false,
                    new PrintStream(new ByteArrayOutputStream())).run()).get(2, TimeUnit.MINUTES);
            double consensus = ((Number) rank0.lastMetrics().get("consensus")).doubleValue();
            double expected = ((Number) reference.lastMetrics().get("consensus")).doubleValue();
            System.err.printf("GAN consensus at the end: %.3g after failure and rejoin, %.3g without%n", consensus,
                    expected);
            assertThat(consensus).isLessThan(10 * expected + 1e-9);
            assertThat(rank0.paramDigests()).hasSize(M);
        } finally {
            pool.shutdownNow();
            network.close();
        }
    }

    private static GanWorker worker(TrainConfig cfg, Path runDir, InMemoryNetwork network, int rank,
                                    AtomicReference<TopologyEpoch> source, List<String> lines) {
        return new GanWorker(cfg, runDir, rank, false, new PrintStream(new ByteArrayOutputStream()))
                .live(opt -> new LiveTopology(network.transport(rank), source::get,
                        msg -> lines.add("[" + rank + "] " + msg)));
    }

    private static final Pattern SWITCH = Pattern.compile("at iteration (\\d+)");

    private static long iteration(String line) {
        Matcher m = SWITCH.matcher(line);
        assertThat(m.find()).as(line).isTrue();
        return Long.parseLong(m.group(1));
    }
}
