package io.dgan.worker.cli;

import io.dgan.games.Game;
import io.dgan.games.GameRunner;
import io.dgan.games.RunResult;
import io.dgan.gossip.ConsensusDistance;
import io.dgan.topology.Edge;
import io.dgan.topology.MixingMatrix;
import io.dgan.topology.MixingSchedule;
import io.dgan.topology.Topologies;
import io.dgan.topology.TopologySpec;
import io.dgan.topology.TopologyType;
import io.dgan.transport.grpc.FreePorts;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Workers follow topology epochs live, as real {@code dgan worker} processes over loopback gRPC, with the topology
 * file rewritten under them as the operator would: a rank killed and cut out of the graph (the survivors go on),
 * then replaced (it warm-starts from its neighbours and all finish); a rewire ring → complete mid-run (the switch is
 * agreed: the parameters are bit-identical to an in-process run whose W changes at that iteration); a malformed
 * file mid-run (ignored with a log line naming the file and field). No timing is asserted: the test waits for log
 * lines, with generous limits.
 */
class LiveTopologyProcessTest {
    private static final int M = 4;
    private static final long WAIT_MS = 300_000; // generous: 4 JVMs on a loaded 2-core machine run ~15 it/s
    private final List<Worker> started = new ArrayList<>();

    /** One worker process: its stderr lines collected as they come. */
    private static final class Worker {
        final int rank;
        final Process process;
        final List<String> lines = java.util.Collections.synchronizedList(new ArrayList<>());
        final Path stdout;

        Worker(int rank, Process process, Path stdout) {
            this.rank = rank;
            this.process = process;
            this.stdout = stdout;
            ProcessLines.follow(process, "worker-log-" + rank, line -> {
                lines.add(line);
                System.err.println(line);
            });
        }

        String log() {
            synchronized (lines) {
                return String.join("\n", lines);
            }
        }

        /** Waits (generously) for a line matching the predicate; fails naming what it waited for. */
        String await(String what, Predicate<String> line) throws InterruptedException {
            long deadline = System.currentTimeMillis() + WAIT_MS;
            while (System.currentTimeMillis() < deadline) {
                synchronized (lines) {
                    for (String l : lines) {
                        if (line.test(l)) {
                            return l;
                        }
                    }
                }
                if (!process.isAlive()) {
                    break;
                }
                Thread.sleep(50);
            }
            synchronized (lines) {
                for (String l : lines) {
                    if (line.test(l)) {
                        return l;
                    }
                }
            }
            throw new AssertionError("rank " + rank + " never logged " + what + " (alive: " + process.isAlive()
                    + "); its log:\n" + log());
        }

        int exit() throws InterruptedException {
            if (!process.waitFor(WAIT_MS, TimeUnit.MILLISECONDS)) {
                throw new AssertionError("rank " + rank + " did not finish; its log:\n" + log());
            }
            return process.exitValue();
        }
    }

    @AfterEach
    void stopAll() {
        for (Worker w : started) {
            w.process.destroyForcibly();
        }
    }

    private static final List<String> GAME = List.of("--game", "bilinear", "--dim", "5", "--algorithm", "dposg",
            "--lr", "0.05", "--heterogeneity", "0.5", "--seed", "11", "--every", "10");

    private final Map<Integer, Integer> metricsPorts = new java.util.HashMap<>();
    private static final io.dgan.transport.grpc.tls.GossipCertificates CA =
            io.dgan.transport.grpc.tls.GossipCertificates.newAuthority("live-" + ProcessHandle.current().pid());

    private Worker start(Path dir, int rank, int[] ports, long iterations, Path topology, String latency)
            throws IOException {
        StringBuilder peers = new StringBuilder();
        for (int r = 0; r < M; r++) {
            peers.append(r == 0 ? "" : ",").append("127.0.0.1:").append(ports[r]);
        }
        // Mutual TLS as on Kubernetes: one CA for the job, each rank (and its replacement) with its certificate.
        Path tls = dir.resolve("tls").resolve("rank-" + rank);
        if (!Files.isDirectory(tls)) {
            CA.issue(rank, List.of()).writeTo(tls);
        }
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:+UseSerialGC", "-Xmx96m", "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
                DganCli.class.getName(), "worker", "--rank", Integer.toString(rank), "--workers", Integer.toString(M),
                "--job", "live-" + ProcessHandle.current().pid(), "--peers", peers.toString(),
                "--gossip-port", Integer.toString(ports[rank]), "--bind", "127.0.0.1", "--metrics-port",
                Integer.toString(metricsPorts.getOrDefault(rank, 0)),
                "--run-dir", dir.resolve("run").toString(), "--connect-timeout", "120", "--receive-timeout", "20",
                "--topology-file", topology.toString(), "--emulate-latency", latency, "--json",
                "--tls-dir", tls.toString(),
                "--iterations", Long.toString(iterations)));
        cmd.addAll(GAME);
        Path out = dir.resolve("stdout-" + rank + "-" + started.size() + ".json");
        Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).start();
        Worker w = new Worker(rank, p, out);
        started.add(w);
        return w;
    }

    /** Writes the topology file as the ConfigMap volume changes it: whole, in one atomic rename. */
    private static void publish(Path file, Map<String, Object> topo) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(tmp, JsonOutput.toJson(topo));
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /**
     * topology.json as the operator's TopologyPlanner writes it (operator/…/TopologyPlanner): the full graph, or,
     * with ranks excluded, the survivors' edges with Metropolis–Hastings weights and W_ii = 1 for the excluded.
     */
    static Map<String, Object> operatorPlan(String type, long epoch, int... excluded) {
        MixingMatrix full = Topologies.create(TopologySpec.of(type, M)).at(1);
        double[][] w;
        TreeSet<Integer> out = new TreeSet<>();
        Arrays.stream(excluded).forEach(out::add);
        if (out.isEmpty()) {
            w = full.toArray();
        } else {
            List<Integer> survivors = new ArrayList<>();
            int[] index = new int[M];
            for (int i = 0; i < M; i++) {
                index[i] = out.contains(i) ? -1 : survivors.size();
                if (!out.contains(i)) {
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
            double[][] small = Topologies.create(TopologySpec.of(TopologyType.GRAPH, survivors.size())
                    .withEdges(edges)).at(1).toArray();
            w = new double[M][M];
            for (int r : out) {
                w[r][r] = 1;
            }
            for (int a = 0; a < survivors.size(); a++) {
                for (int b = 0; b < survivors.size(); b++) {
                    w[survivors.get(a)][survivors.get(b)] = small[a][b];
                }
            }
        }
        Map<String, Object> topo = new LinkedHashMap<>();
        topo.put("epoch", epoch);
        topo.put("type", type);
        topo.put("workers", M);
        topo.put("gossipRounds", 1);
        topo.put("seed", 0);
        topo.put("excludedRanks", List.copyOf(out));
        topo.put("weights", w);
        return topo;
    }

    private static final Pattern PROGRESS = Pattern.compile("\\] k=(\\d+) ");

    private static Predicate<String> progressAtLeast(long k) {
        return l -> {
            Matcher m = PROGRESS.matcher(l);
            return m.find() && Long.parseLong(m.group(1)) >= k;
        };
    }

    private static final Pattern SWITCH = Pattern.compile("topology epoch (\\d+) -> (\\d+) at iteration (\\d+)");

    private static long switchIteration(String line) {
        Matcher m = SWITCH.matcher(line);
        assertThat(m.find()).as(line).isTrue();
        return Long.parseLong(m.group(3));
    }

    private static float[][][] params(Path run, int[] lengths) throws IOException {
        float[][][] out = new float[M][][];
        for (int r = 0; r < M; r++) {
            out[r] = LocalWorkers.readParams(run.resolve("params-rank" + r + ".f32"), lengths);
        }
        return out;
    }

    private static double consensus(float[][][] ranks) {
        List<List<FloatBuffer>> views = new ArrayList<>();
        for (float[][] r : ranks) {
            views.add(Arrays.stream(r).map(FloatBuffer::wrap).toList());
        }
        return ConsensusDistance.distance(views, ConsensusDistance.average(views));
    }

    private static double squaredDistance(float[][] a, float[][] b) {
        double s = 0;
        for (int p = 0; p < a.length; p++) {
            for (int i = 0; i < a[p].length; i++) {
                double d = (double) a[p][i] - b[p][i];
                s += d * d;
            }
        }
        return s;
    }

    private static GameCommand game(List<String> args) {
        GameCommand game = new GameCommand();
        CommandLine cli = new CommandLine(game);
        List<String> all = new ArrayList<>(args);
        all.add("--workers=" + M);
        cli.parseArgs(all.toArray(String[]::new));
        game.spec = cli.getCommandSpec();
        game.validate();
        return game;
    }

    /**
     * A race this test can hit (one run in six on 2 cores without RingAllReduce's guarded collectives): rank 0,
     * waiting in a collective for rank 3's last message, adopts the epoch cutting rank 2 out, redoes the collective
     * over {0, 1, 3} and waits for rank 3, which completed it over the old members. The guarded collectives keep it
     * from splitting (staged deterministically in core's CollectiveMemberLossTest).
     */
    @Test
    void aKilledRankIsCutOutTheSurvivorsGoOnAndItsReplacementWarmStartsFromItsNeighbours(@TempDir Path dir)
            throws Exception {
        long iterations = 1500;
        Path topo = dir.resolve("topology.json");
        publish(topo, operatorPlan("ring", 1));
        int[] ports = FreePorts.pick(M);
        Worker[] w = new Worker[M];
        for (int r = 0; r < M; r++) {
            w[r] = start(dir, r, ports, iterations, topo, "2ms");
        }
        w[0].await("progress past iteration 150", progressAtLeast(150));

        // Rank 2 dies. Its neighbours 1 and 3 block on it; without a new epoch they would time out (20 s) and exit.
        w[2].process.destroyForcibly().waitFor();
        Thread.sleep(1500); // let them block on it (not a timing assertion: any delay below 20 s shows the same)
        publish(topo, operatorPlan("ring", 2, 2));
        for (int r : new int[] {0, 1, 3}) {
            String line = w[r].await("the switch to epoch 2", l -> l.contains("topology epoch 1 -> 2"));
            assertThat(line).contains("excluded [2]");
        }
        assertThat(w[1].await("switch", l -> l.contains("topology epoch 1 -> 2")))
                .contains("neighbours [0, 2] -> [0]");

        // The replacement starts while its rank is still excluded: it waits for an epoch that includes it.
        Worker replacement = start(dir, 2, ports, iterations, topo, "2ms");
        replacement.await("that it waits to be included", l -> l.contains("waiting for an epoch that includes rank 2"));
        assertThat(w[1].process.isAlive()).as("rank 1 still training when the replacement is ready").isTrue();
        Map<String, Object> back = operatorPlan("ring", 3);
        back.put("memberSince", List.of(0, 0, 3, 0)); // rank 2's process is in the graph since epoch 3
        publish(topo, back);

        long[] agreedAt = new long[M];
        for (int r : new int[] {0, 1, 3}) {
            // A rank that blocks on a slow neighbour first may take epoch 3 provisionally (rank 2 folded out: the
            // same graph as epoch 2, "2 -> 3 ... while waiting"); the agreed switch is then logged as "3 -> 3".
            agreedAt[r] = switchIteration(w[r].await("the agreed switch to epoch 3",
                    l -> l.contains("-> 3 at iteration") && l.contains("agreed at iteration")));
        }
        assertThat(agreedAt[1]).isEqualTo(agreedAt[0]).isEqualTo(agreedAt[3]);
        String joined = replacement.await("its warm start", l -> l.contains("joined: state averaged over"));
        assertThat(joined).contains("ranks 1, 3").contains("training from iteration " + (agreedAt[0] + 1));

        for (Worker x : new Worker[] {w[0], w[1], w[3], replacement}) {
            assertThat(x.exit()).as("exit code of rank %d; log:%n%s", x.rank, x.log()).isZero();
            Map<?, ?> summary = JsonOutput.mapper().readValue(Files.readString(x.stdout), Map.class);
            assertThat(((Number) summary.get("iterations")).longValue()).isEqualTo(iterations);
            assertThat(((Number) summary.get("topologyEpoch")).longValue()).isEqualTo(3);
        }

        // All four end in consensus: the replacement is as close to the others as the no-failure run's ranks are
        // to each other, and much closer than the initial point it would have started from without a warm start.
        GameCommand g = game(withIterations(iterations));
        Game game = g.buildGame();
        int[] lengths = Arrays.stream(game.initialPoint()).mapToInt(a -> a.length).toArray();
        float[][][] finals = params(dir.resolve("run"), lengths);
        RunResult reference = new GameRunner(game, g.buildConfig(g.parseAlgorithm()), g.buildTopology("ring"))
                .every(iterations).run(iterations);
        double referenceConsensus = consensus(reference.finalParameters());
        double consensus = consensus(finals);
        System.err.printf("consensus distance: %.3g after the failure and rejoin, %.3g without failure%n",
                consensus, referenceConsensus);
        assertThat(consensus).isLessThan(10 * referenceConsensus + 1e-9);
        double fromStart = squaredDistance(game.initialPoint(), finals[0]);
        assertThat(squaredDistance(finals[2], finals[0])).isLessThan(1e-3 * fromStart);
    }

    @Test
    void aMalformedFileIsIgnoredAndARewireRingToCompleteIsSwitchedAtOneAgreedIteration(@TempDir Path dir)
            throws Exception {
        long iterations = 1200;
        Path topo = dir.resolve("topology.json");
        publish(topo, operatorPlan("ring", 1));
        int[] ports = FreePorts.pick(M + 1);
        metricsPorts.put(0, ports[M]);
        Worker[] w = new Worker[M];
        for (int r = 0; r < M; r++) {
            w[r] = start(dir, r, ports, iterations, topo, "2ms");
        }
        w[0].await("progress past iteration 120", progressAtLeast(120));
        assertThat(scrape(ports[M])).contains("dgan_topology_epoch{").containsPattern("dgan_topology_epoch\\{[^}]*\\} 1(\\.0)?\n");

        // A malformed new epoch (row 2 of W too short): every worker says so, naming file and field, and goes on.
        Map<String, Object> bad = operatorPlan("complete", 2);
        double[][] weights = (double[][]) bad.get("weights");
        weights[2] = Arrays.copyOf(weights[2], M - 1);
        publish(topo, bad);
        for (Worker x : w) {
            assertThat(x.await("that it ignored the malformed file", l -> l.contains("ignored a new topology file")))
                    .contains(topo.toString()).contains("weights row 2 must have 4 entries")
                    .contains("keeping topology epoch 1");
        }
        for (Worker x : w) {
            assertThat(x.process.isAlive()).as("rank %d still running", x.rank).isTrue();
        }

        // REWIRE: the operator publishes the complete graph as epoch 2. Edges are added, so the switch is agreed.
        publish(topo, operatorPlan("complete", 2));
        long[] at = new long[M];
        for (int r = 0; r < M; r++) {
            String line = w[r].await("the switch to epoch 2", l -> l.contains("topology epoch 1 -> 2"));
            assertThat(line).contains("agreed at iteration");
            at[r] = switchIteration(line);
        }
        assertThat(at).containsOnly(at[0]);
        long switchAt = at[0];
        // The gauge follows the switch (rank 0 is still training: the switch happened early in the run).
        if (w[0].process.isAlive()) {
            String metrics = scrape(ports[M]);
            if (w[0].process.isAlive()) {
                assertThat(metrics).containsPattern("dgan_topology_epoch\\{[^}]*\\} 2(\\.0)?\n");
            }
        }
        assertThat(switchAt).isBetween(120L, iterations - 1);
        for (Worker x : w) {
            assertThat(x.exit()).as("exit code of rank %d; log:%n%s", x.rank, x.log()).isZero();
            Map<?, ?> summary = JsonOutput.mapper().readValue(Files.readString(x.stdout), Map.class);
            assertThat(((Number) summary.get("topologyEpoch")).longValue()).isEqualTo(2);
        }

        // The math is exactly the piecewise W: ring up to the agreed iteration, complete after it, on every rank.
        GameCommand g = game(withIterations(iterations));
        Game game = g.buildGame();
        MixingSchedule ring = g.buildTopology("ring");
        MixingSchedule complete = g.buildTopology("complete");
        MixingSchedule piecewise = new MixingSchedule() {
            @Override
            public String type() {
                return "ring-then-complete";
            }

            @Override
            public int workers() {
                return M;
            }

            @Override
            public MixingMatrix at(long k) {
                return k <= switchAt ? ring.at(k) : complete.at(k);
            }

            @Override
            public int period() {
                return 0;
            }
        };
        RunResult expected = new GameRunner(game, g.buildConfig(g.parseAlgorithm()), piecewise).every(iterations)
                .run(iterations);
        int[] lengths = Arrays.stream(game.initialPoint()).mapToInt(a -> a.length).toArray();
        float[][][] finals = params(dir.resolve("run"), lengths);
        for (int r = 0; r < M; r++) {
            for (int p = 0; p < lengths.length; p++) {
                assertThat(finals[r][p]).as("rank %d player %d", r, p)
                        .containsExactly(expected.finalParameters()[r][p]);
            }
        }
        // And the switch mattered: the ring all along ends elsewhere.
        RunResult ringOnly = new GameRunner(game, g.buildConfig(g.parseAlgorithm()), ring).every(iterations)
                .run(iterations);
        assertThat(finals[0][0]).isNotEqualTo(ringOnly.finalParameters()[0][0]);
    }

    private static String scrape(int port) throws Exception {
        var client = java.net.http.HttpClient.newHttpClient();
        var request = java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + port + "/metrics"))
                .timeout(java.time.Duration.ofSeconds(30)).build();
        return client.send(request, java.net.http.HttpResponse.BodyHandlers.ofString()).body();
    }

    private static List<String> withIterations(long iterations) {
        List<String> args = new ArrayList<>(GAME);
        args.addAll(List.of("--iterations", Long.toString(iterations), "--topology", "ring"));
        return args;
    }
}
