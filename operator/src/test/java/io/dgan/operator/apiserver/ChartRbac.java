package io.dgan.operator.apiserver;

import com.marcnuri.helm.Helm;
import io.dgan.kube.testkit.KubeCluster;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesList;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * The chart rendered with default values (helm-java, offline) and its ServiceAccount and RBAC objects created on the
 * real API server: the operator then runs with exactly what the chart grants, no more.
 */
final class ChartRbac {
    static final Path CHART = Path.of("../helm/dgan-operator");
    static final Set<String> RBAC_KINDS = Set.of("ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding");

    final String release;
    final String namespace;
    final String serviceAccount;

    private ChartRbac(String release, String namespace, String serviceAccount) {
        this.release = release;
        this.namespace = namespace;
        this.serviceAccount = serviceAccount;
    }

    /** Renders the chart as {@code helm install RELEASE -n NAMESPACE} would and creates its RBAC objects. */
    static ChartRbac install(KubeCluster cluster, String release, String namespace) {
        return install(cluster, release, namespace, UnaryOperator.identity());
    }

    /** As {@link #install(KubeCluster, String, String)}, with the rendered YAML edited first (to take a grant away). */
    static ChartRbac install(KubeCluster cluster, String release, String namespace, UnaryOperator<String> edit) {
        String yaml = edit.apply(new Helm(CHART).template().withName(release).withNamespace(namespace).call());
        var admin = cluster.adminClient();
        admin.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(namespace).endMetadata().build())
                .createOr(existing -> existing.update());
        String serviceAccount = null;
        for (HasMetadata object : objects(yaml)) {
            if (!RBAC_KINDS.contains(object.getKind())) continue;
            if (object.getKind().equals("ServiceAccount")) serviceAccount = object.getMetadata().getName();
            admin.resource(object).inNamespace(namespace).createOr(existing -> existing.update());
        }
        if (serviceAccount == null) throw new IllegalStateException("the chart rendered no ServiceAccount");
        return new ChartRbac(release, namespace, serviceAccount);
    }

    static List<HasMetadata> objects(String yaml) {
        List<HasMetadata> out = new ArrayList<>();
        for (String doc : yaml.split("(?m)^---\\s*$")) {
            if (doc.isBlank() || doc.lines().allMatch(l -> l.isBlank() || l.trim().startsWith("#"))) continue;
            Object parsed = Serialization.unmarshal(doc);
            if (parsed instanceof KubernetesList list) out.addAll(list.getItems());
            else if (parsed instanceof HasMetadata object) out.add(object);
        }
        return out;
    }

    String user() {
        return "system:serviceaccount:" + namespace + ":" + serviceAccount;
    }
}
