package io.dgan.operator.progress;

import static org.assertj.core.api.Assertions.assertThat;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.Labels;
import io.dgan.operator.crd.ProgressStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
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
    void httpSourceScrapesARealPrometheusExporterAndSkipsUnreachablePods() throws Exception {
        // The worker side as the transport module builds it (io.dgan.metrics.WorkerMetrics on the grpc branch): the
        // same client library, names and labels, served by its HTTP exporter.
        PrometheusRegistry registry = new PrometheusRegistry();
        Labels constant = Labels.of("namespace", "training", "job", "gan", "rank", "0");
        Counter steps = Counter.builder().name("dgan_worker_steps_total").constLabels(constant).register(registry);
        Gauge distance = Gauge.builder().name("dgan_consensus_distance").constLabels(constant).register(registry);
        Gauge.builder().name("dgan_eval_fid").constLabels(constant).register(registry).set(31.4);
        Counter.builder().name("dgan_gossip_bytes_sent_total").constLabels(constant).labelNames("peer")
                .register(registry).labelValues("1").inc(1e6);
        steps.inc(1234);
        distance.set(0.0125);
        try (HTTPServer server = HTTPServer.builder().port(0).registry(registry).buildAndStart()) {
            Pod up = pod("gan-worker-0", "127.0.0.1");
            Pod noIp = pod("gan-worker-1", null);
            Pod unreachable = pod("gan-worker-2", "192.0.2.1"); // TEST-NET-1: never answers
            Map<String, WorkerSample> samples = new HttpProgressSource(Duration.ofMillis(500))
                    .sample(List.of(up, noIp, unreachable), server.getPort());
            assertThat(samples).containsOnlyKeys("gan-worker-0");
            assertThat(samples.get("gan-worker-0")).isEqualTo(new WorkerSample(1234, 0.0125, 31.4));
        }
    }

    static Pod pod(String name, String ip) {
        return new PodBuilder().withNewMetadata().withName(name).endMetadata().withNewStatus().withPodIP(ip)
                .endStatus().build();
    }
}
