package io.dgan.operator.helm;

import static org.assertj.core.api.Assertions.assertThat;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The chart linted (strict) and rendered with helm-java's embedded Helm, offline. */
class HelmChartTest {
    static final Path CHART = Path.of("../helm/dgan-operator");

    @Test
    void chartLintsCleanInStrictMode() {
        LintResult lint = new Helm(CHART).lint().strict().call();
        assertThat(lint.isFailed()).as(String.join("\n", lint.getMessages())).isFalse();
    }

    @Test
    void rendersAOperatorWithLeaderElectionAndLeastPrivilegeRbac() {
        List<HasMetadata> objects = render(new Helm(CHART).template().withName("dgan").withNamespace("dgan-system").call());
        assertThat(objects).extracting(HasMetadata::getKind).contains("ServiceAccount", "ClusterRole",
                "ClusterRoleBinding", "Role", "RoleBinding", "Deployment", "Service").doesNotContain("ServiceMonitor");

        Deployment deployment = only(objects, Deployment.class);
        var container = deployment.getSpec().getTemplate().getSpec().getContainers().get(0);
        assertThat(container.getImage()).isEqualTo("ghcr.io/dgan/dgan-operator:0.1.0");
        assertThat(container.getEnv()).anyMatch(e -> e.getName().equals("LEADER_ELECTION_NAMESPACE")
                && e.getValue().equals("dgan-system"));
        assertThat(container.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
        assertThat(container.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
        assertThat(deployment.getSpec().getTemplate().getSpec().getSecurityContext().getRunAsNonRoot()).isTrue();

        ClusterRole role = only(objects, ClusterRole.class);
        List<PolicyRule> rules = role.getRules();
        assertThat(rules).noneMatch(r -> r.getVerbs().contains("*") || r.getResources().contains("*")
                || r.getApiGroups().contains("*"));
        assertThat(rules).filteredOn(r -> r.getResources().contains("pods")).singleElement()
                .satisfies(r -> assertThat(r.getVerbs()).containsExactlyInAnyOrder("list", "watch", "create", "delete"));
        // Secrets: only to read and make the jobs' gossip CA and certificates, and to renew a rank's certificate in
        // place (patch); never list, watch, update or delete.
        assertThat(rules).filteredOn(r -> r.getResources().contains("secrets")).singleElement()
                .satisfies(r -> assertThat(r.getVerbs()).containsExactlyInAnyOrder("get", "create", "patch"));
        assertThat(rules).filteredOn(r -> r.getResources().contains("customresourcedefinitions")).singleElement()
                .satisfies(r -> assertThat(r.getVerbs()).containsExactly("get"));
        // Gang admission with Kueue: the job's Workload (never listed or watched; patched only for spec.active), Finished written through
        // workloads/status, the admitted ResourceFlavors read for placement.
        ChartRbac chart = ChartRbac.render("dgan-system");
        assertThat(chart.verbs("kueue.x-k8s.io", "workloads")).containsExactlyInAnyOrder("get", "create", "delete", "patch");
        assertThat(chart.verbs("kueue.x-k8s.io", "workloads/status")).containsExactly("update");
        assertThat(chart.verbs("kueue.x-k8s.io", "resourceflavors")).containsExactly("get");
        // blockOwnerDeletion on every owned object needs update on the owner's finalizers (OpenShift enforces it).
        assertThat(ChartRbac.render("dgan-system").allows(new ChartRbac.Request("dgan.io",
                "decentralizedganjobs/finalizers", "update", "training", "gan"))).isTrue();
        // Fabric8's LeaderElector renews with PATCH; JOSDK's pre-election access check asks for get/create/update.
        assertThat(ChartRbac.render("dgan-system").verbs("coordination.k8s.io", "leases"))
                .containsExactlyInAnyOrder("get", "create", "update", "patch");
    }

    @Test
    void twoReplicasGetADisruptionBudgetSpreadingAndProbesOnAHealthPortThatExistsWithMetricsOff() {
        List<HasMetadata> objects = render(new Helm(CHART).template().withName("dgan").withNamespace("ops")
                .set("metrics.port", 0).call());
        assertThat(objects).extracting(HasMetadata::getKind).contains("PodDisruptionBudget").doesNotContain("Service");
        var pdb = only(objects, io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget.class);
        assertThat(pdb.getSpec().getMaxUnavailable().getIntVal()).isEqualTo(1);
        Deployment deployment = only(objects, Deployment.class);
        var pod = deployment.getSpec().getTemplate().getSpec();
        assertThat(pod.getAffinity().getPodAntiAffinity().getPreferredDuringSchedulingIgnoredDuringExecution())
                .singleElement().satisfies(t -> assertThat(t.getPodAffinityTerm().getTopologyKey())
                        .isEqualTo("kubernetes.io/hostname"));
        var container = pod.getContainers().get(0);
        assertThat(container.getPorts()).extracting(p -> p.getName()).containsExactly("health");
        for (var probe : List.of(container.getLivenessProbe(), container.getReadinessProbe(), container.getStartupProbe())) {
            assertThat(probe.getHttpGet().getPort().getStrVal()).isEqualTo("health");
        }
        assertThat(container.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/readyz");
        assertThat(container.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/healthz");
        assertThat(container.getEnv()).anyMatch(e -> e.getName().equals("METRICS_NAMESPACE_SELECTORS")
                && e.getValue().equals("[{\"kubernetes.io/metadata.name\":\"monitoring\"}]"));
        assertThat(container.getEnv()).anyMatch(e -> e.getName().equals("OPERATOR_NAMESPACE")
                && e.getValueFrom().getFieldRef().getFieldPath().equals("metadata.namespace"));
        assertThat(only(render(new Helm(CHART).template().withName("dgan").withNamespace("ops")
                .set("podMonitor.labels.release", "kps").call()), Deployment.class).getSpec().getTemplate().getSpec()
                .getContainers().get(0).getEnv()).anyMatch(e -> e.getName().equals("POD_MONITOR_LABELS")
                && e.getValue().equals("{\"release\":\"kps\"}"));
        // One replica: no budget (it would block every drain).
        assertThat(render(new Helm(CHART).template().withName("dgan").withNamespace("ops").set("replicaCount", 1).call()))
                .extracting(HasMetadata::getKind).doesNotContain("PodDisruptionBudget");
    }

    @Test
    void valuesAreCheckedAgainstTheChartsSchema() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new Helm(CHART).template().withName("dgan")
                .withNamespace("ops").set("replicaCount", "two").call()).hasMessageContaining("replicaCount");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new Helm(CHART).template().withName("dgan")
                .withNamespace("ops").set("metrics.prot", 8080).call()).hasMessageContaining("prot");
    }

    @Test
    void serviceMonitorAndSingleReplicaAreOptional() {
        String yaml = new Helm(CHART).template().withName("dgan").withNamespace("ops")
                .set("serviceMonitor.enabled", true).set("leaderElection.enabled", false).set("replicaCount", 1)
                .call();
        assertThat(yaml).contains("kind: ServiceMonitor");
        List<HasMetadata> objects = render(yaml);
        assertThat(objects).extracting(HasMetadata::getKind).doesNotContain("Role", "RoleBinding");
        assertThat(only(objects, Deployment.class).getSpec().getTemplate().getSpec().getContainers().get(0).getEnv())
                .anyMatch(e -> e.getName().equals("LEADER_ELECTION_NAMESPACE") && e.getValue().isEmpty());
    }

    @Test
    void alertRulesPassPromtoolAndRenderAsAPrometheusRule() throws Exception {
        Path rules = CHART.resolve("files/alerts.yaml");
        Path promtool = Path.of("/usr/bin/promtool");
        if (java.nio.file.Files.isExecutable(promtool)) {
            Process p = new ProcessBuilder(promtool.toString(), "check", "rules", rules.toString())
                    .redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            assertThat(p.waitFor()).as(out).isZero();
            assertThat(out).contains("SUCCESS: 7 rules found");
        }
        String yaml = new Helm(CHART).template().withName("dgan").withNamespace("ops")
                .set("prometheusRule.enabled", true).call();
        String rule = java.util.Arrays.stream(yaml.split("(?m)^---\\s*$"))
                .filter(d -> d.contains("kind: PrometheusRule")).findFirst().orElseThrow();
        var mapper = new com.fasterxml.jackson.databind.ObjectMapper(new com.fasterxml.jackson.dataformat.yaml.YAMLFactory());
        assertThat(mapper.readTree(rule).at("/spec/groups")).isEqualTo(mapper.readTree(rules.toFile()).get("groups"));
    }

    @Test
    void dashboardQueriesAreValidPromqlOverTheDocumentedMetrics() throws Exception {
        var mapper = new com.fasterxml.jackson.databind.ObjectMapper();
        var dashboard = mapper.readTree(CHART.resolve("files/dashboard.json").toFile());
        List<String> exprs = new ArrayList<>();
        dashboard.get("panels").forEach(p -> p.get("targets").forEach(t -> exprs.add(t.get("expr").asText())));
        assertThat(exprs).hasSize(10).allMatch(e -> e.contains("dgan_"));
        // Only ranks that evaluated export a FID; zeros (older workers before their first evaluation) are not drawn.
        assertThat(exprs).filteredOn(e -> e.contains("dgan_eval_fid")).singleElement()
                .satisfies(e -> assertThat(e).contains("} > 0)"));
        // promtool parses PromQL in rule files: wrap every panel query as a recording rule (template variables
        // replaced by literals, as Grafana would) and check the file.
        Path promtool = Path.of("/usr/bin/promtool");
        if (java.nio.file.Files.isExecutable(promtool)) {
            StringBuilder rules = new StringBuilder("groups:\n  - name: dashboard\n    rules:\n");
            for (int i = 0; i < exprs.size(); i++) {
                String expr = exprs.get(i).replace("$namespace", "training").replace("$job", "gan");
                rules.append("      - record: dashboard:panel").append(i).append("\n        expr: ")
                        .append(mapper.writeValueAsString(expr)).append("\n");
            }
            Path file = java.nio.file.Files.createTempFile("dashboard-rules", ".yaml");
            java.nio.file.Files.writeString(file, rules);
            Process p = new ProcessBuilder(promtool.toString(), "check", "rules", file.toString())
                    .redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            assertThat(p.waitFor()).as(out).isZero();
        }
        String yaml = new Helm(CHART).template().withName("dgan").withNamespace("ops")
                .set("grafanaDashboard.enabled", true).call();
        HasMetadata cm = render(yaml).stream().filter(o -> o.getMetadata().getName().equals("dgan-dgan-operator-dashboard"))
                .findFirst().orElseThrow();
        var data = ((io.fabric8.kubernetes.api.model.ConfigMap) cm).getData().get("dgan-training.json");
        assertThat(mapper.readTree(data)).isEqualTo(dashboard);
        assertThat(cm.getMetadata().getLabels()).containsEntry("grafana_dashboard", "1");
    }

    static List<HasMetadata> render(String yaml) {
        List<HasMetadata> out = new ArrayList<>();
        for (String doc : yaml.split("(?m)^---\\s*$")) {
            if (doc.strip().isEmpty() || !doc.contains("kind:")) continue;
            if (doc.contains("kind: ServiceMonitor") || doc.contains("kind: PrometheusRule")
                    || doc.contains("CustomResourceDefinition")) continue;
            out.add(Serialization.unmarshal(doc, HasMetadata.class));
        }
        return out;
    }

    static <T> T only(List<HasMetadata> objects, Class<T> type) {
        return objects.stream().filter(type::isInstance).map(type::cast).reduce((a, b) -> {
            throw new AssertionError("more than one " + type.getSimpleName());
        }).orElseThrow();
    }
}
