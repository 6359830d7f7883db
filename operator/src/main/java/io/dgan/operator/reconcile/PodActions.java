package io.dgan.operator.reconcile;

import io.dgan.operator.crd.DecentralizedGANJob;
import io.dgan.operator.resources.GossipTlsSecret;
import io.dgan.operator.resources.Labels;
import io.dgan.operator.resources.Owners;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;

/** Act: the calls that change a job's pods and claims. Creating what already exists is not an error. */
public final class PodActions {
    private final KubernetesClient client;

    public PodActions(KubernetesClient client) {
        this.client = client;
    }

    /** Creates the pod; false when one of that name exists (the cache had not seen it, or an old one terminates). */
    public boolean create(Pod pod) {
        try {
            client.pods().inNamespace(pod.getMetadata().getNamespace()).resource(pod).create();
            return true;
        } catch (KubernetesClientException ex) {
            if (ex.getCode() != 409) throw ex;
            return false;
        }
    }

    /**
     * Deletes this pod, not whatever pod has its name now: the delete carries the pod's UID as a precondition (as
     * Kubernetes' own controllers do), so a decision taken on a cached, older pod never removes the rank's newer pod
     * of the same name. Gone already, or replaced by a newer pod: nothing to do.
     */
    public void delete(Pod pod) {
        // A pod without a UID (never the case for one read from the API) gets an empty precondition: a plain delete.
        var options = new io.fabric8.kubernetes.api.model.DeleteOptionsBuilder().withNewPreconditions()
                .withUid(pod.getMetadata().getUid()).endPreconditions().build();
        try {
            client.raw("/api/v1/namespaces/" + pod.getMetadata().getNamespace() + "/pods/" + pod.getMetadata().getName(),
                    "DELETE", options);
        } catch (KubernetesClientException ex) {
            if (ex.getCode() != 404 && ex.getCode() != 409) throw ex;
        }
    }

    /** Creates the claim unless it exists (a rank's checkpoint claim outlives its pods). */
    public void ensure(PersistentVolumeClaim claim, DecentralizedGANJob job) {
        try {
            client.persistentVolumeClaims().inNamespace(claim.getMetadata().getNamespace()).resource(claim).create();
        } catch (KubernetesClientException ex) {
            if (ex.getCode() != 409) throw ex;
            // One left by an earlier job of this name (whenDeleted: Retain), or from before a change of the policy.
            own(job, claim.getMetadata().getName(), claim.getMetadata().getOwnerReferences() != null
                    && !claim.getMetadata().getOwnerReferences().isEmpty());
        }
    }

    /**
     * Makes the job the claim's controller ({@code owned}: the garbage collector deletes it with the job) or not
     * (it outlives the job). Only a claim labelled as this job's by the operator: a claim a user made under that
     * name, which the pods mount as well, is never made the job's to delete. Returns whether the claim changed.
     */
    public boolean own(DecentralizedGANJob job, String claimName, boolean owned) {
        var resource = client.persistentVolumeClaims().inNamespace(job.getMetadata().getNamespace()).withName(claimName);
        PersistentVolumeClaim claim = resource.get();
        if (claim == null || claim.getMetadata().getDeletionTimestamp() != null) return false;
        java.util.Map<String, String> labels = claim.getMetadata().getLabels();
        if (labels == null || !job.getMetadata().getName().equals(labels.get(Labels.JOB))
                || !Labels.OPERATOR.equals(labels.get(Labels.MANAGED_BY))) {
            return false;
        }
        java.util.List<OwnerReference> before = claim.getMetadata().getOwnerReferences() == null ? java.util.List.of()
                : claim.getMetadata().getOwnerReferences();
        // Any job of this name (an earlier one's reference too: only one controller reference is allowed).
        java.util.List<OwnerReference> after = new java.util.ArrayList<>(before.stream().filter(r ->
                !(job.getKind().equals(r.getKind()) && job.getMetadata().getName().equals(r.getName()))).toList());
        if (owned) after.add(Owners.controllerReference(job));
        if (after.equals(before)) return false;
        resource.edit(c -> {
            c.getMetadata().setOwnerReferences(after);
            return c;
        });
        return true;
    }

    /** The job's gossip CA (a Secret owned by the job): read, or made and stored on first use. */
    public Secret gossipAuthority(DecentralizedGANJob job) {
        String ns = job.getMetadata().getNamespace();
        String name = GossipTlsSecret.authorityName(job.getMetadata().getName());
        Secret existing = client.secrets().inNamespace(ns).withName(name).get();
        if (existing != null) return existing;
        try {
            return client.secrets().inNamespace(ns).resource(GossipTlsSecret.authority(job)).create();
        } catch (KubernetesClientException ex) {
            if (ex.getCode() != 409) throw ex;
            return client.secrets().inNamespace(ns).withName(name).get(); // another pass made it first
        }
    }

    /** Issues {@code rank}'s gossip certificate unless its Secret exists (it outlives the rank's pods). Creates
     * without reading first: a new rank (the common case) costs one request, an existing one a local signature. */
    public void ensureGossipCertificate(DecentralizedGANJob job, Secret authority, int rank,
                                        java.time.Duration validity) {
        String ns = job.getMetadata().getNamespace();
        try {
            client.secrets().inNamespace(ns).resource(GossipTlsSecret.forRank(job, authority, rank, validity)).create();
        } catch (KubernetesClientException ex) {
            if (ex.getCode() != 409) throw ex;
        }
    }
}
