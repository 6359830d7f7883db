package io.dgan.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Series that appear only once they mean something: a 0.0 FID would read as a perfect score, a step count of 0
 * from a resumed worker as a job back at its start. */
class WorkerMetricsEvalTest {
    @Test
    void noFidSeriesUntilTheWorkerEvaluates() throws IOException {
        try (WorkerMetrics metrics = new WorkerMetrics("training", "gan", 3)) {
            metrics.stepsCompleted(10);
            assertThat(text(metrics)).contains("dgan_worker_steps_total").doesNotContain("dgan_eval_fid");
            metrics.evalFid(42.5);
            metrics.evalFid(40.25);
            assertThat(text(metrics)).contains("dgan_eval_fid{job=\"gan\",namespace=\"training\",rank=\"3\"} 40.25");
        }
    }

    @Test
    void noCertificateExpirySeriesWithoutTls() throws IOException {
        try (WorkerMetrics metrics = new WorkerMetrics("training", "gan", 3)) {
            assertThat(text(metrics)).doesNotContain("dgan_gossip_tls_certificate_expiration_timestamp_seconds");
            metrics.certificate(java.time.Instant.ofEpochSecond(1_900_000_000L));
            assertThat(text(metrics)).contains("dgan_gossip_tls_certificate_expiration_timestamp_seconds{job=\"gan\","
                    + "namespace=\"training\",rank=\"3\"} 1.9E9");
        }
    }

    @Test
    void noStepSeriesUntilTheWorkerKnowsWhereItStartsThenItCountsFromThere() throws IOException {
        try (WorkerMetrics metrics = new WorkerMetrics("training", "gan", 1)) {
            metrics.loss("G", 1.0);
            assertThat(text(metrics)).doesNotContain("dgan_worker_steps_total");
            metrics.startsAt(250);
            assertThat(text(metrics)).contains("dgan_worker_steps_total{job=\"gan\",namespace=\"training\",rank=\"1\"} 250.0");
            metrics.stepsCompleted(1);
            metrics.startsAt(0); // no effect once started
            assertThat(text(metrics)).contains("dgan_worker_steps_total{job=\"gan\",namespace=\"training\",rank=\"1\"} 251.0");
        }
    }

    @Test
    void aLinkedPeerHasItsNeighbourLossFailuresAtZero() throws IOException {
        try (WorkerMetrics metrics = new WorkerMetrics("training", "gan", 0, 4)) {
            assertThat(text(metrics)).doesNotContain("dgan_gossip_failures_total{");
            metrics.linked(1);
            assertThat(text(metrics)).contains(
                    "dgan_gossip_failures_total{code=\"UNAVAILABLE\",job=\"gan\",namespace=\"training\",peer=\"1\",rank=\"0\"} 0.0",
                    "dgan_gossip_failures_total{code=\"DEADLINE_EXCEEDED\",job=\"gan\",namespace=\"training\",peer=\"1\",rank=\"0\"} 0.0");
            metrics.failure(1, "UNAVAILABLE");
            assertThat(text(metrics)).contains(
                    "dgan_gossip_failures_total{code=\"UNAVAILABLE\",job=\"gan\",namespace=\"training\",peer=\"1\",rank=\"0\"} 1.0");
        }
    }

    static String text(WorkerMetrics metrics) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrometheusTextFormatWriter.create().write(out, metrics.registry().scrape());
        return out.toString(StandardCharsets.UTF_8);
    }
}
