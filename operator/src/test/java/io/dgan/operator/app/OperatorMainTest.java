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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import io.dgan.operator.helm.ChartRbac;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.mockwebserver.http.RecordedRequest;
import org.junit.jupiter.api.Test;

/** The operator as `java -jar` starts it (settings, leader election, metrics endpoint), against the mock. */
@EnableKubernetesMockClient(crud = true)
class OperatorMainTest {
    KubernetesClient client;
    io.fabric8.kubernetes.client.server.mock.KubernetesMockServer server;

    static final String USER_AGENT = "dgan-operator-under-test";

    @Test
    void startsTakesTheLeaseReconcilesAndServesItsMetricsWithOnlyTheChartsRbac() throws Exception {
        ChartRbac rbac = ChartRbac.render("dgan-system");
        // JOSDK checks its lease permissions with a SelfSubjectRulesReview before electing; the mock cannot
        // evaluate RBAC, so it answers what the chart's leader-election Role grants.
        answerRulesReviewWith(rbac.verbs("coordination.k8s.io", "leases"));
        OperatorSettings settings = OperatorSettings.fromEnvironment(Map.of(
                "METRICS_PORT", Integer.toString(freePort()), "HEALTH_PORT", Integer.toString(freePort()),
                "LEADER_ELECTION_NAMESPACE", "dgan-system", "WATCH_NAMESPACES", "training",
                "LEADER_ELECTION_LEASE_DURATION_SECONDS", "4", "LEADER_ELECTION_RENEW_DEADLINE_SECONDS", "3",
                "LEADER_ELECTION_RETRY_PERIOD_SECONDS", "1"));
        List<ChartRbac.Request> calls = new ArrayList<>();
        try (OperatorMain operator = OperatorMain.start(settings, operatorClient(), () -> { })) {
            DecentralizedGANJob job = TestJobs.job("gan", 2, "Ring");
            job.getMetadata().setUid(null);
            client.resource(job).create();
            Eventually.await("worker pods", Duration.ofSeconds(30), () ->
                    client.pods().inNamespace("training").list().getItems().size() == 2);
            Lease lease = client.leases().inNamespace("dgan-system").withName(OperatorMain.LEASE_NAME).get();
            assertThat(lease.getSpec().getHolderIdentity()).isNotBlank();
            // The leader renews every retry period: wait for renewals, which is where an RBAC gap bites.
            Eventually.await("lease renewed", Duration.ofSeconds(30), () -> {
                drain(calls);
                return calls.stream().filter(c -> c.resource().equals("leases") && !c.verb().equals("get")
                        && !c.verb().equals("create")).count() >= 2;
            });
            Eventually.await("ready", Duration.ofSeconds(30), () -> probe(operator, "/readyz") == 200);
            assertThat(body(operator, "/readyz")).contains("\"role\":\"leader\"");

            Eventually.await("job Pending in the metrics", Duration.ofSeconds(30),
                    () -> scrape(operator).contains("dgan_operator_jobs{phase=\"Pending\"} 1.0"));
            String metrics = scrape(operator);
            assertThat(metrics).contains("dgan_operator_jobs{phase=\"Pending\"} 1.0", "dgan_operator_jobs{phase=\"Failed\"} 0.0",
                    "dgan_operator_jobs_created_total 1.0", "dgan_operator_reconcile_duration_seconds_count",
                    "# TYPE dgan_operator_time_to_running_seconds histogram");
            // Labelled counters (failed_total{reason}, worker_replacements_total{reason}) appear with their first event.
            promtoolAccepts(metrics);

            // The update paths: a rewire (the topology ConfigMap replaced), a worker deleted by a user (recreated).
            String before = client.configMaps().inNamespace("training").withName("gan-topology").get().getData()
                    .get("topology.json");
            client.resources(DecentralizedGANJob.class).inNamespace("training").withName("gan")
                    .edit(j -> {
                        j.getSpec().topology.type = "Complete";
                        return j;
                    });
            Eventually.await("topology rewired", Duration.ofSeconds(30), () -> !before.equals(client.configMaps()
                    .inNamespace("training").withName("gan-topology").get().getData().get("topology.json")));
            String uid = client.pods().inNamespace("training").withName("gan-worker-1").get().getMetadata().getUid();
            client.pods().inNamespace("training").withName("gan-worker-1").delete();
            Eventually.await("rank 1 recreated", Duration.ofSeconds(30), () -> {
                var pod = client.pods().inNamespace("training").withName("gan-worker-1").get();
                return pod != null && !uid.equals(pod.getMetadata().getUid());
            });
            drain(calls);
        }
        assertThat(calls).as("API calls the operator made").isNotEmpty();
        assertThat(calls).as("calls the chart's RBAC would refuse").filteredOn(c -> !rbac.allows(c)).isEmpty();
        assertThat(calls).extracting(ChartRbac.Request::verb).contains("create", "update", "patch");
    }

    @Test
    void aLostLeaseTurnsTheHealthCheckRedAndExits() throws Exception {
        answerRulesReviewWith(ChartRbac.render("dgan-system").verbs("coordination.k8s.io", "leases"));
        OperatorSettings settings = OperatorSettings.fromEnvironment(Map.of(
                "METRICS_PORT", "0", "HEALTH_PORT", Integer.toString(freePort()),
                "LEADER_ELECTION_NAMESPACE", "dgan-system", "WATCH_NAMESPACES", "training",
                "LEADER_ELECTION_LEASE_DURATION_SECONDS", "4", "LEADER_ELECTION_RENEW_DEADLINE_SECONDS", "3",
                "LEADER_ELECTION_RETRY_PERIOD_SECONDS", "1"));
        CountDownLatch exited = new CountDownLatch(1);
        try (OperatorMain operator = OperatorMain.start(settings, operatorClient(), exited::countDown)) {
            Eventually.await("leading and ready", Duration.ofSeconds(30), () -> probe(operator, "/readyz") == 200
                    && body(operator, "/readyz").contains("\"role\":\"leader\""));
            assertThat(probe(operator, "/healthz")).isEqualTo(200);
            // Another replica takes the lease over (as after a network partition longer than the renew deadline).
            client.leases().inNamespace("dgan-system").withName(OperatorMain.LEASE_NAME).edit(l -> {
                l.getSpec().setHolderIdentity("another-replica");
                l.getSpec().setLeaseDurationSeconds(3600);
                l.getSpec().setRenewTime(java.time.ZonedDateTime.now());
                return l;
            });
            assertThat(exited.await(30, TimeUnit.SECONDS)).as("exit requested after the lease was lost").isTrue();
            assertThat(probe(operator, "/healthz")).isEqualTo(503);
            assertThat(probe(operator, "/readyz")).isEqualTo(503);
            assertThat(body(operator, "/healthz")).contains("lost the leader lease");
        }
    }

    @Test
    void twoReplicasOneLeadsTheOtherStandsByReadyAndTakesOverWhenTheLeaderStops() throws Exception {
        answerRulesReviewWith(ChartRbac.render("dgan-system").verbs("coordination.k8s.io", "leases"));
        Map<String, String> common = Map.of("METRICS_PORT", "0", "LEADER_ELECTION_NAMESPACE", "dgan-system",
                "WATCH_NAMESPACES", "training", "LEADER_ELECTION_LEASE_DURATION_SECONDS", "4",
                "LEADER_ELECTION_RENEW_DEADLINE_SECONDS", "3", "LEADER_ELECTION_RETRY_PERIOD_SECONDS", "1");
        OperatorMain a = OperatorMain.start(settings(common, "replica-a"), operatorClient(), () -> { });
        try (OperatorMain b = OperatorMain.start(settings(common, "replica-b"), operatorClient(), () -> { })) {
            try {
                Eventually.await("one leader, one standby, both ready", Duration.ofSeconds(30), () ->
                        probe(a, "/readyz") == 200 && probe(b, "/readyz") == 200
                                && (body(a, "/readyz") + body(b, "/readyz")).contains("\"role\":\"leader\"")
                                && (body(a, "/readyz") + body(b, "/readyz")).contains("\"role\":\"standby\""));
            } catch (AssertionError e) {
                a.close();
                throw e;
            }
            OperatorMain leader = body(a, "/readyz").contains("leader") ? a : b;
            OperatorMain standby = leader == a ? b : a;
            String leaderId = leader == a ? "replica-a" : "replica-b";
            assertThat(client.leases().inNamespace("dgan-system").withName(OperatorMain.LEASE_NAME).get().getSpec()
                    .getHolderIdentity()).isEqualTo(leaderId);
            leader.close();
            Eventually.await("the standby leads", Duration.ofSeconds(30), () ->
                    body(standby, "/readyz").contains("\"role\":\"leader\"") && probe(standby, "/readyz") == 200);
            DecentralizedGANJob job = TestJobs.job("gan", 2, "Ring");
            job.getMetadata().setUid(null);
            client.resource(job).create();
            Eventually.await("the new leader reconciles", Duration.ofSeconds(30), () ->
                    client.pods().inNamespace("training").list().getItems().size() == 2);
        } finally {
            a.close();
        }
    }

    static OperatorSettings settings(Map<String, String> common, String identity) throws IOException {
        Map<String, String> env = new java.util.HashMap<>(common);
        env.put("HEALTH_PORT", Integer.toString(freePort()));
        env.put("LEADER_ELECTION_IDENTITY", identity);
        return OperatorSettings.fromEnvironment(env);
    }

    @Test
    void withoutLeaderElectionReadinessFollowsTheInformersAndNeedsNoMetricsPort() throws Exception {
        OperatorSettings settings = OperatorSettings.fromEnvironment(Map.of(
                "METRICS_PORT", "0", "HEALTH_PORT", Integer.toString(freePort()), "WATCH_NAMESPACES", "training"));
        try (OperatorMain operator = OperatorMain.start(settings, operatorClient(), () -> { })) {
            assertThat(operator.metricsPort()).isEqualTo(-1);
            Eventually.await("ready", Duration.ofSeconds(30), () -> probe(operator, "/readyz") == 200);
            assertThat(body(operator, "/readyz")).contains("\"role\":\"sole\"", "informers synced and watching");
            assertThat(probe(operator, "/healthz")).isEqualTo(200);
        }
    }

    private void answerRulesReviewWith(List<String> verbs) {
        server.expect().post().withPath("/apis/authorization.k8s.io/v1/selfsubjectrulesreviews")
                .andReturn(201, new io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectRulesReviewBuilder()
                        .withNewStatus().addNewResourceRule().withApiGroups("coordination.k8s.io")
                        .withResources("leases").withVerbs(verbs).endResourceRule()
                        .withIncomplete(false).endStatus().build())
                .always();
    }

    /** The operator's own client: the mock records every request, and the user agent tells the operator's apart. */
    private KubernetesClient operatorClient() {
        return new KubernetesClientBuilder().withConfig(new ConfigBuilder(client.getConfiguration())
                .withUserAgent(USER_AGENT).build()).build();
    }

    private void drain(List<ChartRbac.Request> calls) {
        try {
            RecordedRequest r;
            while ((r = server.takeRequest(1, TimeUnit.MILLISECONDS)) != null) {
                if (!USER_AGENT.equals(r.getHeader("User-Agent"))) continue;
                ChartRbac.request(r.getMethod(), r.getPath()).ifPresent(calls::add);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static int probe(OperatorMain operator, String path) {
        return get(operator.healthPort(), path).statusCode();
    }

    static String body(OperatorMain operator, String path) {
        return get(operator.healthPort(), path).body();
    }

    static HttpResponse<String> get(int port, String path) {
        try {
            return HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + port + path)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void badSettingsNameTheVariable() {
        assertThatThrownBy(() -> OperatorSettings.fromEnvironment(Map.of("METRICS_PORT", "http")))
                .hasMessage("METRICS_PORT must be an integer, got 'http'");
        assertThatThrownBy(() -> OperatorSettings.fromEnvironment(Map.of("PROGRESS_INTERVAL_SECONDS", "0")))
                .hasMessageStartingWith("PROGRESS_INTERVAL_SECONDS must be at least 1");
        assertThat(OperatorSettings.fromEnvironment(Map.of()).leaderElection()).isFalse();
        assertThatThrownBy(() -> OperatorSettings.fromEnvironment(Map.of("LEADER_ELECTION_RENEW_DEADLINE_SECONDS", "20")))
                .hasMessageStartingWith("LEADER_ELECTION_LEASE_DURATION_SECONDS must exceed");
        assertThatThrownBy(() -> OperatorSettings.fromEnvironment(Map.of("METRICS_NAMESPACE_SELECTORS", "monitoring")))
                .hasMessageStartingWith("METRICS_NAMESPACE_SELECTORS must be a JSON list");
        assertThat(OperatorSettings.fromEnvironment(Map.of("METRICS_NAMESPACE_SELECTORS",
                "[{\"kubernetes.io/metadata.name\":\"monitoring\"}]", "LEADER_ELECTION_NAMESPACE", "ops")).policy())
                .satisfies(p -> {
                    assertThat(p.operatorNamespace()).isEqualTo("ops");
                    assertThat(p.metricsNamespaceSelectors()).containsExactly(Map.of("kubernetes.io/metadata.name", "monitoring"));
                });
        assertThat(OperatorSettings.fromEnvironment(Map.of()).policy().gossipCertificateValidity())
                .isEqualTo(java.time.Duration.ofDays(90));
        assertThat(OperatorSettings.fromEnvironment(Map.of("GOSSIP_CERTIFICATE_VALIDITY_SECONDS", "31536000")).policy()
                .gossipCertificateValidity()).isEqualTo(java.time.Duration.ofDays(365));
        assertThatThrownBy(() -> OperatorSettings.fromEnvironment(Map.of("GOSSIP_CERTIFICATE_VALIDITY_SECONDS", "30")))
                .hasMessage("GOSSIP_CERTIFICATE_VALIDITY_SECONDS must be at least 60, got 30");
        assertThatThrownBy(() -> OperatorSettings.fromEnvironment(Map.of("GOSSIP_CERTIFICATE_VALIDITY_SECONDS", "90d")))
                .hasMessage("GOSSIP_CERTIFICATE_VALIDITY_SECONDS must be an integer, got '90d'");
        assertThat(OperatorSettings.fromEnvironment(Map.of()).policy().gossipCertificateIssuer())
                .isEqualTo(io.dgan.operator.reconcile.GossipCertificateIssuer.AUTO);
        assertThat(OperatorSettings.fromEnvironment(Map.of("GOSSIP_CERTIFICATE_ISSUER", "cert-manager")).policy()
                .gossipCertificateIssuer()).isEqualTo(io.dgan.operator.reconcile.GossipCertificateIssuer.CERT_MANAGER);
        assertThatThrownBy(() -> OperatorSettings.fromEnvironment(Map.of("GOSSIP_CERTIFICATE_ISSUER", "vault")))
                .hasMessage("GOSSIP_CERTIFICATE_ISSUER must be one of auto, operator, cert-manager, got 'vault'");
        assertThatThrownBy(() -> OperatorSettings.fromEnvironment(Map.of("METRICS_PORT", "4294967296")))
                .hasMessageStartingWith("METRICS_PORT must be an integer");
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
