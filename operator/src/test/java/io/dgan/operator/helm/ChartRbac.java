package io.dgan.operator.helm;

import com.marcnuri.helm.Helm;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The RBAC the chart grants (its ClusterRole, and its leader-election Role in the release namespace), rendered with
 * default values, and the Kubernetes authorizer's decision for one API request: method and path mapped to
 * (API group, resource[/subresource], verb, namespace) the way the API server's request-info resolver does.
 */
public final class ChartRbac {
    public static final Path CHART = Path.of("../helm/dgan-operator");
    private static final Pattern PATH = Pattern.compile(
            "^/(?:api/(?<coreVersion>v1)|apis/(?<group>[^/]+)/(?<version>[^/]+))"
                    + "(?:/namespaces/(?<ns>[^/]+))?/(?<resource>[^/?]+)(?:/(?<name>[^/?]+))?(?:/(?<sub>[^/?]+))?(?:\\?(?<query>.*))?$");
    private final List<PolicyRule> clusterRules;
    private final List<PolicyRule> namespaceRules;
    private final String namespace;

    private ChartRbac(List<PolicyRule> clusterRules, List<PolicyRule> namespaceRules, String namespace) {
        this.clusterRules = clusterRules;
        this.namespaceRules = namespaceRules;
        this.namespace = namespace;
    }

    /** The chart rendered as release {@code dgan} in {@code namespace} with default values. */
    public static ChartRbac render(String namespace) {
        List<HasMetadata> objects = HelmChartTest.render(new Helm(CHART).template().withName("dgan")
                .withNamespace(namespace).call());
        List<PolicyRule> cluster = new ArrayList<>();
        List<PolicyRule> local = new ArrayList<>();
        for (HasMetadata o : objects) {
            if (o instanceof ClusterRole r) cluster.addAll(r.getRules());
            if (o instanceof Role r) local.addAll(r.getRules());
        }
        return new ChartRbac(cluster, local, namespace);
    }

    /** The verbs the chart grants on {@code group}/{@code resource} in its own namespace (Role and ClusterRole). */
    public List<String> verbs(String group, String resource) {
        List<String> verbs = new ArrayList<>();
        for (PolicyRule r : concat(clusterRules, namespaceRules)) {
            if (r.getApiGroups().contains(group) && r.getResources().contains(resource)
                    && (r.getResourceNames() == null || r.getResourceNames().isEmpty())) {
                r.getVerbs().stream().filter(v -> !verbs.contains(v)).forEach(verbs::add);
            }
        }
        return verbs;
    }

    /** The request as the authorizer sees it, or empty for a non-resource path (discovery, /version). */
    public static Optional<Request> request(String method, String path) {
        Matcher m = PATH.matcher(path);
        if (!m.matches()) return Optional.empty();
        String group = m.group("coreVersion") != null ? "" : m.group("group");
        String name = m.group("name");
        String query = m.group("query") == null ? "" : m.group("query");
        String resource = m.group("resource") + (m.group("sub") == null ? "" : "/" + m.group("sub"));
        String verb = switch (method) {
            case "GET" -> query.contains("watch=true") ? "watch" : name == null ? "list" : "get";
            case "POST" -> "create";
            case "PUT" -> "update";
            case "PATCH" -> "patch";
            case "DELETE" -> name == null ? "deletecollection" : "delete";
            default -> method.toLowerCase();
        };
        return Optional.of(new Request(group, resource, verb, m.group("ns"), name));
    }

    public record Request(String group, String resource, String verb, String namespace, String name) {
        @Override
        public String toString() {
            return verb + " " + (group.isEmpty() ? "" : group + "/") + resource
                    + (namespace == null ? "" : " in " + namespace) + (name == null ? "" : " (" + name + ")");
        }
    }

    /** Whether the chart's ServiceAccount may make {@code request}. */
    public boolean allows(Request request) {
        // Every authenticated user may review its own access (system:basic-user).
        if (request.group().equals("authorization.k8s.io") && request.resource().startsWith("selfsubject")) return true;
        List<PolicyRule> rules = request.namespace() != null && request.namespace().equals(namespace)
                ? concat(clusterRules, namespaceRules) : clusterRules;
        for (PolicyRule r : rules) {
            if (r.getApiGroups().contains(request.group()) && r.getResources().contains(request.resource())
                    && r.getVerbs().contains(request.verb())
                    && (r.getResourceNames() == null || r.getResourceNames().isEmpty()
                    || r.getResourceNames().contains(request.name()))) {
                return true;
            }
        }
        return false;
    }

    private static List<PolicyRule> concat(List<PolicyRule> a, List<PolicyRule> b) {
        List<PolicyRule> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }
}
