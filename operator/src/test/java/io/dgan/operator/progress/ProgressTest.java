package io.dgan.operator.progress;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.dgan.operator.crd.ProgressStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ProgressTest {
    static final String EXPOSITION = """
            # HELP dgan_worker_steps Steps done
            # TYPE dgan_worker_steps counter
            dgan_worker_steps_total{namespace="training",job="gan",rank="3"} 1234.0
            dgan_worker_steps_created{namespace="training",job="gan",rank="3"} 1.7e9
            # TYPE dgan_consensus_distance gauge
            dgan_consensus_distance{rank="3"} 0.0125
            dgan_eval_fid 31.4
            dgan_eval_fid_best 30.0
            """;

    @Test
    void readsTheThreeMetricsFromPrometheusText() {
        WorkerSample s = PrometheusText.toSample(EXPOSITION);
        assertThat(s).isEqualTo(new WorkerSample(1234, 0.0125, 31.4));
        assertThat(PrometheusText.toSample("# nothing yet\n")).isNull();
    }

    @Test
    void aggregatesMinMedianMaxAndEstimatesTheEta() {
        Instant t0 = Instant.parse("2026-01-01T00:00:00Z");
        ProgressStatus first = ProgressAggregator.aggregate(null, List.of(
                new WorkerSample(100, 0.1, null), new WorkerSample(120, 0.3, 50.0), new WorkerSample(110, 0.2, 48.0)),
                1100, t0);
        assertThat(first.minStep).isEqualTo(100);
        assertThat(first.medianStep).isEqualTo(110);
        assertThat(first.maxStep).isEqualTo(120);
        assertThat(first.consensusDistance).isEqualTo(0.3);
        assertThat(first.lastEvalFid).isEqualTo(48.0);
        assertThat(first.etaSeconds).isNull(); // no rate from a single sample
        ProgressStatus second = ProgressAggregator.aggregate(first, List.of(
                new WorkerSample(200, 0.1, null), new WorkerSample(220, 0.1, null), new WorkerSample(210, 0.1, null)),
                1100, t0.plusSeconds(50));
        assertThat(second.stepsPerSecond).isEqualTo(2.0); // median 110 -> 210 in 50 s
        assertThat(second.etaSeconds).isEqualTo(450); // (1100 - 200) / 2
        assertThat(second.lastEvalFid).isEqualTo(48.0); // kept from the previous sample
    }

    @Test
    void httpSourceScrapesARealEndpointAndSkipsUnreachablePods() throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/metrics", ex -> {
            byte[] body = EXPOSITION.getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(200, body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        server.start();
        try {
            int port = server.getAddress().getPort();
            Pod up = pod("gan-worker-0", "127.0.0.1");
            Pod noIp = pod("gan-worker-1", null);
            Map<String, WorkerSample> samples = new HttpProgressSource(Duration.ofSeconds(2)).sample(List.of(up, noIp), port);
            assertThat(samples).containsOnlyKeys("gan-worker-0");
            assertThat(samples.get("gan-worker-0").steps()).isEqualTo(1234);
        } finally {
            server.stop(0);
        }
    }

    static Pod pod(String name, String ip) {
        return new PodBuilder().withNewMetadata().withName(name).endMetadata().withNewStatus().withPodIP(ip)
                .endStatus().build();
    }
}
