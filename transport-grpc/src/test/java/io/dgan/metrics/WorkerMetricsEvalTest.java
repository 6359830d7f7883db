package io.dgan.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Evaluation metrics exist only on a worker that evaluated: a 0.0 FID would read as a perfect score. */
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

    static String text(WorkerMetrics metrics) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrometheusTextFormatWriter.create().write(out, metrics.registry().scrape());
        return out.toString(StandardCharsets.UTF_8);
    }
}
