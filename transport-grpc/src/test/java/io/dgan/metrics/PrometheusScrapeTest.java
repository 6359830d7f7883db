package io.dgan.metrics;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dgan.transport.MessageTag;
import io.dgan.transport.grpc.GrpcTransport;
import io.dgan.transport.grpc.GrpcTransportConfig;
import io.dgan.transport.grpc.PeerDirectory;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two workers exchange vectors over the real gRPC transport while a real Prometheus (Debian's {@code prometheus})
 * scrapes their metrics endpoints; the test then asks Prometheus, through its HTTP API, for the steps counter and
 * the per-peer byte rate, and lints each endpoint's text with {@code promtool check metrics}.
 */
class PrometheusScrapeTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private static Path which(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            Path p = Path.of(dir, tool);
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private String get(String url) throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5))
                .build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IOException(url + " answered " + r.statusCode() + ": " + r.body());
        }
        return r.body();
    }

    private JsonNode query(int promPort, String promql) throws IOException, InterruptedException {
        JsonNode answer = JSON.readTree(get("http://127.0.0.1:" + promPort + "/api/v1/query?query="
                + URLEncoder.encode(promql, StandardCharsets.UTF_8)));
        assertThat(answer.path("status").asText()).isEqualTo("success");
        return answer.path("data").path("result");
    }

    @Test
    void prometheusScrapesTwoWorkersAndSeesStepsAndPerPeerTraffic(@TempDir Path dir) throws Exception {
        Path prometheus = which("prometheus");
        Path promtool = which("promtool");
        Assumptions.assumeTrue(prometheus != null && promtool != null,
                "SKIPPED: prometheus/promtool not on PATH (apt-get install -y prometheus); the CI script installs them");

        int[] gossipPorts = {freePort(), freePort()};
        List<String> addresses = List.of("127.0.0.1:" + gossipPorts[0], "127.0.0.1:" + gossipPorts[1]);
        WorkerMetrics[] metrics = new WorkerMetrics[2];
        GrpcTransport[] transports = new GrpcTransport[2];
        int[] metricsPorts = new int[2];
        AtomicBoolean running = new AtomicBoolean(true);
        Thread[] workers = new Thread[2];
        Process prom = null;
        try {
            for (int r = 0; r < 2; r++) {
                metrics[r] = new WorkerMetrics("test-ns", "scrape-job", r);
                metrics[r].topologyEpoch(3);
                transports[r] = new GrpcTransport(GrpcTransportConfig.builder("scrape-job", r, 2)
                        .bindHost("127.0.0.1").port(gossipPorts[r]).vectorLengths(1000).build(),
                        PeerDirectory.list(addresses, 2), metrics[r], msg -> { });
            }
            // Metrics on ephemeral ports only after the gossip ports picked above are bound: an ephemeral bind
            // first could be handed one of them (it happened once in a fresh-clone CI run).
            for (int r = 0; r < 2; r++) {
                metricsPorts[r] = metrics[r].serve("127.0.0.1", 0);
            }
            for (int r = 0; r < 2; r++) {
                int rank = r;
                workers[r] = new Thread(() -> {
                    FloatBuffer mine = FloatBuffer.allocate(1000);
                    FloatBuffer theirs = FloatBuffer.allocate(1000);
                    for (long k = 1; running.get(); k++) {
                        MessageTag tag = new MessageTag(3, k, 0, 0);
                        transports[rank].send(1 - rank, tag, mine);
                        transports[rank].receive(1 - rank, tag, theirs);
                        metrics[rank].stepCompleted();
                        metrics[rank].loss("u", 1.0 / k);
                        metrics[rank].consensusDistance(0.5 / k);
                        sleep(20);
                    }
                }, "worker-" + r);
                workers[r].start();
            }

            int promPort = freePort();
            Path config = dir.resolve("prometheus.yml");
            Files.writeString(config, """
                    global:
                      scrape_interval: 1s
                      scrape_timeout: 900ms
                    scrape_configs:
                      - job_name: dgan-workers
                        honor_labels: true
                        static_configs:
                          - targets: ['127.0.0.1:%d', '127.0.0.1:%d']
                    """.formatted(metricsPorts[0], metricsPorts[1]));
            prom = new ProcessBuilder(prometheus.toString(), "--config.file=" + config,
                    "--storage.tsdb.path=" + dir.resolve("data"), "--web.listen-address=127.0.0.1:" + promPort)
                    .redirectErrorStream(true).redirectOutput(dir.resolve("prometheus.log").toFile()).start();

            // Poll the targets API until both workers are up (first scrape takes a few seconds).
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            int up = 0;
            while (up < 2) {
                assertThat(System.nanoTime()).as("targets up before the deadline; log:\n%s",
                        Files.exists(dir.resolve("prometheus.log")) ? Files.readString(dir.resolve("prometheus.log")) : "")
                        .isLessThan(deadline);
                assertThat(prom.isAlive()).as("prometheus running").isTrue();
                try {
                    JsonNode targets = JSON.readTree(get("http://127.0.0.1:" + promPort + "/api/v1/targets"))
                            .path("data").path("activeTargets");
                    up = 0;
                    for (JsonNode t : targets) {
                        up += t.path("health").asText().equals("up") ? 1 : 0;
                    }
                } catch (IOException notYet) {
                    up = 0;
                }
                sleep(250);
            }

            // Steps: one series per rank, with our labels (honor_labels keeps the exposed job label).
            // "> 0": wait for a scrape after each worker's first step (the first scrape can precede it under load).
            JsonNode steps = pollUntil(promPort, "dgan_worker_steps_total{job=\"scrape-job\"} > 0", 2, deadline);
            Map<String, Double> stepsByRank = new HashMap<>();
            for (JsonNode series : steps) {
                assertThat(series.path("metric").path("namespace").asText()).isEqualTo("test-ns");
                stepsByRank.put(series.path("metric").path("rank").asText(), series.path("value").get(1).asDouble());
            }
            assertThat(stepsByRank).containsOnlyKeys("0", "1");
            assertThat(stepsByRank.values()).allSatisfy(v -> assertThat(v).isGreaterThan(0));

            // Byte rate per (rank, peer): rank 0 sends to peer 1 and rank 1 to peer 0, 4000 bytes per step.
            JsonNode rate = pollUntil(promPort, "rate(dgan_gossip_bytes_sent_total[5s]) > 0", 2, deadline);
            Map<String, Double> rateByLink = new HashMap<>();
            for (JsonNode series : rate) {
                rateByLink.put(series.path("metric").path("rank").asText() + "->"
                        + series.path("metric").path("peer").asText(), series.path("value").get(1).asDouble());
            }
            assertThat(rateByLink).containsOnlyKeys("0->1", "1->0");
            // At most one step per 20 ms: at most 50 steps/s × 4000 B.
            assertThat(rateByLink.values()).allSatisfy(v -> assertThat(v).isBetween(1.0, 50 * 4000.0 * 1.5));

            JsonNode received = pollUntil(promPort, "dgan_gossip_bytes_received_total", 2, deadline);
            for (JsonNode series : received) {
                assertThat(series.path("value").get(1).asDouble() % 4000).isZero();
            }
            JsonNode epoch = pollUntil(promPort, "dgan_topology_epoch", 2, deadline);
            assertThat(epoch.get(0).path("value").get(1).asDouble()).isEqualTo(3.0);
            assertThat(pollUntil(promPort, "dgan_gossip_round_duration_seconds_count > 0", 2, deadline)).hasSize(2);
            assertThat(pollUntil(promPort, "jvm_memory_used_bytes", 1, deadline)).isNotEmpty();

            // promtool lints each endpoint's exposition text.
            for (int port : metricsPorts) {
                String text = get("http://127.0.0.1:" + port + "/metrics");
                assertThat(text).contains("dgan_worker_loss{").contains("player=\"u\"").doesNotContain("_total_total");
                Process lint = new ProcessBuilder(promtool.toString(), "check", "metrics").redirectErrorStream(true)
                        .start();
                lint.getOutputStream().write(text.getBytes(StandardCharsets.UTF_8));
                lint.getOutputStream().close();
                String report = new String(lint.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                assertThat(lint.waitFor(30, TimeUnit.SECONDS)).isTrue();
                assertThat(lint.exitValue()).as("promtool check metrics:\n%s", report).isZero();
            }
        } finally {
            running.set(false);
            for (Thread w : workers) {
                if (w != null) {
                    w.join(5000);
                }
            }
            if (prom != null) {
                prom.destroy();
                if (!prom.waitFor(10, TimeUnit.SECONDS)) {
                    prom.destroyForcibly();
                }
            }
            for (int r = 0; r < 2; r++) {
                if (transports[r] != null) {
                    transports[r].close();
                }
                if (metrics[r] != null) {
                    metrics[r].close();
                }
            }
        }
    }

    private JsonNode pollUntil(int promPort, String promql, int minSeries, long deadline) throws Exception {
        while (true) {
            JsonNode result = query(promPort, promql);
            if (result.size() >= minSeries) {
                return result;
            }
            assertThat(System.nanoTime()).as("query %s returned %s", promql, result).isLessThan(deadline);
            sleep(300);
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
