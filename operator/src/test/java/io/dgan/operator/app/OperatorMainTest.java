package io.dgan.operator.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dgan.operator.Eventually;
import io.dgan.operator.TestJobs;
import io.dgan.operator.crd.DecentralizedGANJob;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The operator as `java -jar` starts it (settings, leader election, metrics endpoint), against the mock. */
@EnableKubernetesMockClient(crud = true)
class OperatorMainTest {
    KubernetesClient client;
    io.fabric8.kubernetes.client.server.mock.KubernetesMockServer server;

    @Test
    void startsTakesTheLeaseReconcilesAndServesItsMetrics() throws Exception {
        // JOSDK checks its lease permissions with a SelfSubjectRulesReview before electing; the mock cannot
        // evaluate RBAC, so it answers what the chart's leader-election Role grants.
        server.expect().post().withPath("/apis/authorization.k8s.io/v1/selfsubjectrulesreviews")
                .andReturn(201, new io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectRulesReviewBuilder()
                        .withNewStatus().addNewResourceRule().withApiGroups("coordination.k8s.io")
                        .withResources("leases").withVerbs("get", "create", "update").endResourceRule()
                        .withIncomplete(false).endStatus().build())
                .always();
        int port = freePort();
        OperatorSettings settings = OperatorSettings.fromEnvironment(Map.of(
                "METRICS_PORT", Integer.toString(port), "LEADER_ELECTION_NAMESPACE", "dgan-system",
                "WATCH_NAMESPACES", "training"));
        try (OperatorMain operator = OperatorMain.start(settings, client)) {
            DecentralizedGANJob job = TestJobs.job("gan", 2, "Ring");
            job.getMetadata().setUid(null);
            client.resource(job).create();
            Eventually.await("worker pods", Duration.ofSeconds(30), () ->
                    client.pods().inNamespace("training").list().getItems().size() == 2);
            Lease lease = client.leases().inNamespace("dgan-system").withName(OperatorMain.LEASE_NAME).get();
            assertThat(lease.getSpec().getHolderIdentity()).isNotBlank();

            Eventually.await("job Pending in the metrics", Duration.ofSeconds(30),
                    () -> scrape(operator).contains("dgan_operator_jobs{phase=\"Pending\"} 1.0"));
            String metrics = scrape(operator);
            assertThat(metrics).contains("dgan_operator_jobs{phase=\"Pending\"} 1.0",
                    "dgan_operator_jobs_created_total 1.0", "dgan_operator_reconcile_duration_seconds_count",
                    "# TYPE dgan_operator_time_to_running_seconds histogram");
            // Labelled counters (failed_total{reason}, worker_replacements_total{reason}) appear with their first event.
            promtoolAccepts(metrics);
        }
    }

    @Test
    void badSettingsNameTheVariable() {
        assertThatThrownBy(() -> OperatorSettings.fromEnvironment(Map.of("METRICS_PORT", "http")))
                .hasMessage("METRICS_PORT must be an integer, got 'http'");
        assertThatThrownBy(() -> OperatorSettings.fromEnvironment(Map.of("PROGRESS_INTERVAL_SECONDS", "0")))
                .hasMessageStartingWith("PROGRESS_INTERVAL_SECONDS must be at least 1");
        assertThat(OperatorSettings.fromEnvironment(Map.of()).leaderElection()).isFalse();
    }

    /** `promtool check metrics` (Debian's prometheus package) lints names and types; skipped where it is absent. */
    static void promtoolAccepts(String exposition) throws IOException, InterruptedException {
        Path promtool = Path.of("/usr/bin/promtool");
        if (!Files.isExecutable(promtool)) return;
        Process p = new ProcessBuilder(promtool.toString(), "check", "metrics").redirectErrorStream(true).start();
        p.getOutputStream().write(exposition.getBytes(StandardCharsets.UTF_8));
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
    }

    static String scrape(OperatorMain operator) {
        try {
            return HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + operator.metricsPort() + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
