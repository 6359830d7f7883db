package io.dgan.operator.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.dgan.docs.GeneratedSection;
import io.dgan.operator.crd.DecentralizedGANJob;
import io.dgan.operator.crd.DecentralizedGANJobStatus;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * docs/reference/metrics.md lists the operator's metrics as {@link OperatorMetrics} registers them: a metric added,
 * renamed, relabelled or re-described without regenerating the page fails here. Regenerate with
 * {@code ./mvnw -B -ntp -pl operator -am verify -DskipKubeKit -Dtest=OperatorMetricsReferenceTest
 * -Dsurefire.failIfNoSpecifiedTests=false -Ddgan.writeMetricsReference=true}.
 */
class OperatorMetricsReferenceTest {
    static final Path PAGE = Path.of("../docs/reference/metrics.md");

    @Test
    void theReferenceListsEveryOperatorMetric() {
        OperatorMetrics m = new OperatorMetrics(new PrometheusRegistry());
        // Every labelled series gets a sample, so that its label names show in the exposition.
        DecentralizedGANJob job = new DecentralizedGANJob();
        job.setStatus(new DecentralizedGANJobStatus());
        job.getStatus().phase = "Running";
        m.observeJobs(() -> Stream.of(job));
        m.jobCreated();
        m.jobSucceeded();
        m.jobFailed("reason");
        m.workerReplaced("Replace");
        m.workerLost("Failed");
        m.specChanged("class");
        m.jobRerun("Failed");
        m.reconciled(0.01);
        m.reachedRunning(1);
        String table = GeneratedSection.metricsTable(
                PrometheusTextFormatWriter.create().toDebugString(m.registry().scrape()), "dgan_");
        assertThat(table).contains("| `dgan_operator_jobs` | gauge | `phase` |",
                "| `dgan_operator_jobs_failed_total` | counter | `reason` |");
        GeneratedSection.check(PAGE, "operator", table, "dgan.writeMetricsReference");
    }
}
