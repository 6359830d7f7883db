package io.dgan.worker.security;

import io.dgan.games.Game;
import io.dgan.games.GameWorker;
import io.dgan.games.RunResult;
import io.dgan.metrics.WorkerMetrics;
import io.dgan.optimizer.Algorithm;
import io.dgan.optimizer.OptimizerConfig;
import io.dgan.games.BilinearGame;
import io.dgan.optimizer.PlayerSettings;
import io.dgan.topology.MixingSchedule;
import io.dgan.topology.Topologies;
import io.dgan.topology.TopologySpec;
import io.dgan.topology.TopologyType;
import io.dgan.transport.grpc.FreePorts;
import io.dgan.transport.grpc.GrpcTransport;
import io.dgan.transport.grpc.GrpcTransportConfig;
import io.dgan.transport.grpc.LinkEmulation;
import io.dgan.transport.grpc.PeerDirectory;
import io.dgan.transport.grpc.tls.GossipCertificates;
import io.dgan.transport.grpc.tls.GossipTls;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Replays every attack of the security review against a running 2-worker job (real gRPC, mutual TLS, a validation
 * game over the optimizer loop, as {@code dgan worker} runs it) while it trains, from attackers without a
 * certificate, with another CA's, another job's, and one of the job's CA for a rank the job does not have. Each
 * attack is refused, every refusal is counted on the workers' {@code /metrics} under fixed labels, and the job's
 * final parameters are byte-identical to an unattacked run with the same seed.
 */
class GossipAttackReplayTest {
    private static final String JOB = "attack-replay";
    private static final int DIM = 64;
    private static final long ITERATIONS = 2500;
    private static final long LAYOUT = 0x5eed_cafe_f00dL;

    /** One 2-worker job; {@code during} runs while it trains (its ports, its metrics ports); final parameters. */
    private static float[][][] runJob(GossipCertificates ca, java.util.function.BiConsumer<int[], int[]> during,
                                      List<String> scrapes) throws Exception {
        int[] ports = FreePorts.pick(2);
        List<String> addresses = List.of("127.0.0.1:" + ports[0], "127.0.0.1:" + ports[1]);
        Game game = new BilinearGame(DIM, 2, 0.5, 3);
        long[] lengths = Arrays.stream(game.initialPoint()).mapToLong(a -> a.length).toArray();
        MixingSchedule ring = Topologies.create(TopologySpec.of(TopologyType.fromName("ring"), 2));
        OptimizerConfig config = OptimizerConfig.builder(Algorithm.DPOSG)
                .defaults(new PlayerSettings(0.02, 0.5, 0.9, 1e-8)).build();
        WorkerMetrics[] metrics = new WorkerMetrics[2];
        int[] metricsPorts = new int[2];
        GrpcTransport[] transports = new GrpcTransport[2];
        for (int r = 0; r < 2; r++) {
            GossipCertificates.Issued mine = ca.issue(r, List.of());
            metrics[r] = new WorkerMetrics("test", JOB, r, 2);
            transports[r] = new GrpcTransport(GrpcTransportConfig.builder(JOB, r, 2).bindHost("127.0.0.1")
                    .port(ports[r]).layoutHash(LAYOUT).vectorLengths(lengths)
                    .tls(GossipTls.fromPem(mine.certificatePem(), mine.privateKeyPem(), mine.caPem()))
                    .emulation(new LinkEmulation(Duration.ofMillis(1), 0))
                    .receiveTimeout(Duration.ofSeconds(60)).build(),
                    PeerDirectory.list(addresses, 2), metrics[r], msg -> { });
        }
        // Metrics on ephemeral ports only after both pre-picked gossip ports are bound: an ephemeral bind could
        // otherwise take one of them.
        for (int r = 0; r < 2; r++) metricsPorts[r] = metrics[r].serve("127.0.0.1", 0);
        // A thread per rank: the ranks wait on each other, and the common pool has one thread on two cores (JDK 25).
        java.util.concurrent.ExecutorService threads = java.util.concurrent.Executors.newFixedThreadPool(2);
        try {
            List<CompletableFuture<RunResult>> ranks = new ArrayList<>();
            for (int r = 0; r < 2; r++) {
                GrpcTransport t = transports[r];
                ranks.add(CompletableFuture.supplyAsync(() -> {
                    t.awaitPeers(List.of(1 - t.rank()));
                    return new GameWorker(game, config, ring, t).every(100).run(ITERATIONS);
                }, threads));
            }
            during.accept(ports, metricsPorts);
            float[][][] params = new float[2][][];
            for (int r = 0; r < 2; r++) {
                RunResult result = ranks.get(r).get();
                assertThat(result.iterations()).isEqualTo(ITERATIONS);
                params[r] = result.finalParameters()[0];
            }
            HttpClient http = HttpClient.newHttpClient();
            for (int r = 0; r < 2; r++) {
                scrapes.add(http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + metricsPorts[r]
                        + "/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body());
            }
            return params;
        } finally {
            threads.shutdownNow();
            for (int r = 0; r < 2; r++) {
                transports[r].close();
                metrics[r].close();
            }
        }
    }

    private static final Pattern REFUSED = Pattern.compile(
            "^dgan_gossip_refused_total\\{[^}]*peer=\"([^\"]*)\",[^}]*reason=\"([^\"]*)\"[^}]*} ([0-9.eE+]+)$",
            Pattern.MULTILINE);

    /** reason → count of a scrape's dgan_gossip_refused_total, and the peer label values seen. */
    private static Map<String, Double> refusals(String scrape, TreeSet<String> peers) {
        Map<String, Double> byReason = new TreeMap<>();
        Matcher m = REFUSED.matcher(scrape);
        while (m.find()) {
            peers.add(m.group(1));
            byReason.merge(m.group(2), Double.parseDouble(m.group(3)), Double::sum);
        }
        return byReason;
    }

    @Test
    void everyReviewedAttackIsRefusedCountedAndChangesNoBitOfTheResult() throws Exception {
        GossipCertificates ca = GossipCertificates.newAuthority(JOB);
        float[][][] clean = runJob(ca, (ports, metricsPorts) -> { }, new ArrayList<>());

        GossipCertificates.Issued foreignCa = GossipCertificates.newAuthority(JOB).issue(0, List.of());
        GossipCertificates.Issued otherJob = GossipCertificates.newAuthority("other-job").issue(0, List.of());
        GossipCertificates.Issued noSuchRank = ca.issue(5, List.of());
        Map<String, String> outcomes = new TreeMap<>();
        AtomicReference<Throwable> failed = new AtomicReference<>();
        List<String> scrapes = new ArrayList<>();
        float[][][] attacked = runJob(ca, (ports, metricsPorts) -> {
            try {
                int victim = 0;
                int port = ports[victim];
                List<GossipAttackClient> attackers = new ArrayList<>();
                attackers.add(new GossipAttackClient("127.0.0.1", port, null, null, JOB, LAYOUT, 2 * DIM));
                for (GossipCertificates.Issued c : List.of(foreignCa, otherJob, noSuchRank)) {
                    attackers.add(new GossipAttackClient("127.0.0.1", port, c.certificatePem(), c.privateKeyPem(),
                            JOB, LAYOUT, 2 * DIM));
                }
                for (int a = 0; a < attackers.size(); a++) {
                    GossipAttackClient x = attackers.get(a);
                    String who = a == 0 ? "no certificate" : a == 1 ? "another CA" : a == 2 ? "another job"
                            : "rank 5 of the job's CA";
                    // tags ahead of the run and at its start: a forged vector must never take a real round
                    outcomes.put(who + ": NaN, no handshake, no CRC", x.nanWithoutHandshakeOrCrc(1, victim, 1)
                            .toString());
                    outcomes.put(who + ": wrong layout", x.wrongLayout(1, victim, 50).toString());
                    outcomes.put(who + ": fill pending", x.fillPending(1, victim, 300).toString());
                    outcomes.put(who + ": silent streams", x.silentStreams(a == 0 ? 2000 : 100, 1, victim)
                            .toString());
                    outcomes.put(who + ": hello flood", x.helloFlood(a == 0 ? 20_000 : 200, victim).toString());
                    outcomes.put(who + ": connections", x.connections(a == 0 ? 300 : 30, victim).toString());
                }
                outcomes.put("raw garbage + silent sockets closed", Integer.toString(
                        attackers.get(0).garbageAndSilence(50)));
            } catch (Throwable t) {
                failed.set(t);
            }
        }, scrapes);
        assertThat(failed.get()).isNull();
        System.err.println("attack outcomes: " + outcomes);

        // No attack got a single call accepted.
        outcomes.forEach((attack, codes) -> assertThat(codes).as(attack).doesNotContain("OK="));
        // Each was refused and counted on the victim's /metrics, with peer labels from the job's ranks only.
        TreeSet<String> peers = new TreeSet<>();
        Map<String, Double> victim = refusals(scrapes.get(0), peers);
        assertThat(peers).isSubsetOf("0", "1", "unknown");
        assertThat(victim.getOrDefault("unauthenticated", 0.0)).isGreaterThanOrEqualTo(20_000);
        assertThat(victim.getOrDefault("certificate", 0.0)).isGreaterThanOrEqualTo(3);
        long series = scrapes.get(0).lines().filter(l -> l.startsWith("dgan_gossip_")).count();
        assertThat(series).as("gossip series on /metrics").isLessThan(40);
        // The result is the unattacked one, bit for bit.
        for (int r = 0; r < 2; r++) {
            for (int p = 0; p < clean[r].length; p++) {
                assertThat(attacked[r][p]).as("rank %d player %d", r, p).containsExactly(clean[r][p]);
            }
        }
    }
}
