package io.dgan.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.dgan.docs.GeneratedSection;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * docs/reference/metrics.md lists the worker's metrics as {@link WorkerMetrics} registers them: a metric added,
 * renamed, relabelled or re-described without regenerating the page fails here. Regenerate with
 * {@code ./mvnw -B -ntp -pl transport-grpc -am verify -Dtest=WorkerMetricsReferenceTest
 * -Dsurefire.failIfNoSpecifiedTests=false -Ddgan.writeMetricsReference=true}.
 */
class WorkerMetricsReferenceTest {
    static final Path PAGE = Path.of("../docs/reference/metrics.md");

    @Test
    void theReferenceListsEveryWorkerMetric() throws Exception {
        try (WorkerMetrics m = new WorkerMetrics("ns", "job", 0, 2)) {
            // Every labelled series gets a sample, so that its label names show in the exposition.
            m.stepCompleted();
            m.loss("G", 1);
            m.consensusDistance(0);
            m.topologyEpoch(0);
            m.evalFid(1);
            m.bytesSent(1, 4, 0.001);
            m.bytesReceived(1, 4);
            m.failure(1, "UNAVAILABLE");
            m.refused(1, "reason");
            m.certificate(java.time.Instant.ofEpochSecond(1));
            m.certificateReload(true);
            String table = GeneratedSection.metricsTable(WorkerMetricsEvalTest.text(m), "dgan_");
            assertThat(table).contains("| `dgan_worker_steps_total` | counter | `job`, `namespace`, `rank` |",
                    "| `dgan_gossip_round_duration_seconds` | histogram | `job`, `namespace`, `peer`, `rank` |",
                    "| `dgan_eval_fid` | gauge |",
                    "| `dgan_gossip_tls_reloads_total` | counter | `job`, `namespace`, `outcome`, `rank` |",
                    "| `dgan_gossip_tls_certificate_expiration_timestamp_seconds` | gauge | `job`, `namespace`, `rank` |");
            GeneratedSection.check(PAGE, "worker", table, "dgan.writeMetricsReference");
        }
    }
}
