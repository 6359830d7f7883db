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
                .satisfies(r -> assertThat(r.getVerbs()).containsExactlyInAnyOrder("get", "list", "watch", "create", "delete"));
        assertThat(rules).filteredOn(r -> r.getResources().contains("secrets")).isEmpty();
        assertThat(rules).filteredOn(r -> r.getResources().contains("customresourcedefinitions")).singleElement()
                .satisfies(r -> assertThat(r.getVerbs()).containsExactly("get"));
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

    static List<HasMetadata> render(String yaml) {
        List<HasMetadata> out = new ArrayList<>();
        for (String doc : yaml.split("(?m)^---\\s*$")) {
            if (doc.strip().isEmpty() || !doc.contains("kind:")) continue;
            if (doc.contains("kind: ServiceMonitor") || doc.contains("CustomResourceDefinition")) continue;
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
