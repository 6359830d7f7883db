package io.dgan.kube.testkit;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import java.util.List;
import java.util.Map;

/** {@code status.conditions} of a resource read without its Java model (cert-manager's and Kueue's kinds). */
public final class ResourceConditions {
    private ResourceConditions() {
    }

    /** The conditions, empty when the resource is null or has none yet. */
    @SuppressWarnings("unchecked")
    public static List<Map<String, Object>> of(GenericKubernetesResource resource) {
        if (resource == null || !(resource.getAdditionalProperties().get("status") instanceof Map<?, ?> status)) {
            return List.of();
        }
        return status.get("conditions") instanceof List<?> list ? (List<Map<String, Object>>) list : List.of();
    }

    /** Whether the resource has condition {@code type} with status {@code True}. */
    public static boolean isTrue(GenericKubernetesResource resource, String type) {
        return of(resource).stream().anyMatch(c -> type.equals(c.get("type")) && "True".equals(c.get("status")));
    }
}
