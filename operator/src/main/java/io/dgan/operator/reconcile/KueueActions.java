package io.dgan.operator.reconcile;

import io.dgan.operator.resources.KueueWorkload;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * Act: the calls on Kueue's objects, each one verb of the chart's ClusterRole: Workloads get, create, delete, patch
 * ({@code spec.active} for a suspension);
 * workloads/status update (Finished, and the admission cleared after an eviction); ResourceFlavors get.
 */
public final class KueueActions {
    private final KubernetesClient client;

    public KueueActions(KubernetesClient client) {
        this.client = client;
    }

    public GenericKubernetesResource workload(String namespace, String name) {
        return client.genericKubernetesResources(KueueWorkload.WORKLOADS).inNamespace(namespace).withName(name).get();
    }

    /** Creates the Workload; when one of that name appeared meanwhile, returns that one. */
    public GenericKubernetesResource create(GenericKubernetesResource workload) {
        String ns = workload.getMetadata().getNamespace();
        try {
            return client.genericKubernetesResources(KueueWorkload.WORKLOADS).inNamespace(ns).resource(workload).create();
        } catch (KubernetesClientException ex) {
            if (ex.getCode() != 409) throw ex;
            return workload(ns, workload.getMetadata().getName());
        }
    }

    public void delete(GenericKubernetesResource workload) {
        client.genericKubernetesResources(KueueWorkload.WORKLOADS).inNamespace(workload.getMetadata().getNamespace())
                .withName(workload.getMetadata().getName()).delete();
    }

    /** JSON merge patch of {@code spec.active} for a suspension ({@link KueueWorkload#activePatch}). */
    public void setActive(GenericKubernetesResource workload, boolean active) {
        client.genericKubernetesResources(KueueWorkload.WORKLOADS).inNamespace(workload.getMetadata().getNamespace())
                .withName(workload.getMetadata().getName())
                .patch(PatchContext.of(PatchType.JSON_MERGE), KueueWorkload.activePatch(active));
    }

    /** PUT on the status subresource with the read resourceVersion: a Kueue write in between is a 409, retried
     * by the next pass from a fresh read. */
    public void updateStatus(GenericKubernetesResource workload) {
        client.genericKubernetesResources(KueueWorkload.WORKLOADS).inNamespace(workload.getMetadata().getNamespace())
                .resource(workload).updateStatus();
    }

    public List<GenericKubernetesResource> flavors(Collection<String> names) {
        List<GenericKubernetesResource> out = new ArrayList<>();
        for (String name : names) {
            GenericKubernetesResource flavor = client.genericKubernetesResources(KueueWorkload.RESOURCE_FLAVORS)
                    .withName(name).get();
            if (flavor == null) throw new IllegalStateException("ResourceFlavor " + name + " admitted by Kueue does not exist");
            out.add(flavor);
        }
        return out;
    }
}
