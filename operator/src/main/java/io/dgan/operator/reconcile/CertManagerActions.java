package io.dgan.operator.reconcile;

import io.dgan.operator.crd.DecentralizedGANJob;
import io.dgan.operator.resources.CertManagerCertificates;
import io.dgan.operator.resources.GossipTlsSecret;
import io.fabric8.kubernetes.api.model.APIResource;
import io.fabric8.kubernetes.api.model.APIResourceList;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Act, for jobs whose gossip certificates cert-manager issues: create the job's Issuers and Certificates
 * ({@link CertManagerCertificates}; creating what exists is not an error), and tell whether a rank's Secret is there
 * yet. Every object is read by its name: the operator needs no list or watch on cert-manager's kinds or on Secrets.
 */
public final class CertManagerActions {
    private final KubernetesClient client;

    public CertManagerActions(KubernetesClient client) {
        this.client = client;
    }

    /** Whether cert-manager's API is served: its Certificate and Issuer kinds in {@code cert-manager.io/v1}. */
    public static boolean served(KubernetesClient client) {
        APIResourceList list;
        try {
            list = client.getApiResources(CertManagerCertificates.GROUP + "/" + CertManagerCertificates.VERSION);
        } catch (KubernetesClientException e) {
            if (e.getCode() == 404) return false;
            throw e;
        }
        if (list == null || list.getResources() == null) return false;
        List<String> kinds = list.getResources().stream().map(APIResource::getName).toList();
        return kinds.contains("certificates") && kinds.contains("issuers");
    }

    /**
     * The job's self-signed Issuer, its CA Certificate and the CA's Issuer; false when cert-manager's API is not
     * served (its CRDs are not installed: nothing was created).
     */
    public boolean ensureAuthority(DecentralizedGANJob job) {
        return create(CertManagerCertificates.ISSUERS, CertManagerCertificates.selfSignedIssuer(job))
                && create(CertManagerCertificates.CERTIFICATES, CertManagerCertificates.authority(job))
                && create(CertManagerCertificates.ISSUERS, CertManagerCertificates.authorityIssuer(job));
    }

    /** {@code rank}'s Certificate; false when cert-manager's API is not served. */
    public boolean ensureRank(DecentralizedGANJob job, int rank, Duration validity) {
        return create(CertManagerCertificates.CERTIFICATES, CertManagerCertificates.forRank(job, rank, validity));
    }

    /**
     * Whether cert-manager wrote {@code rank}'s Secret (certificate, key and CA). A Secret seen for the first time is
     * given an owner reference to the job, and so is the job's CA Secret: cert-manager does not delete the Secrets of
     * a deleted Certificate, and a job's keys must not outlive it.
     */
    public boolean issued(DecentralizedGANJob job, int rank) {
        String ns = job.getMetadata().getNamespace();
        Secret secret = client.secrets().inNamespace(ns).withName(GossipTlsSecret.rankName(job.getMetadata().getName(), rank)).get();
        if (secret == null || secret.getData() == null) return false;
        for (String key : List.of(GossipTlsSecret.CA, GossipTlsSecret.CERT, GossipTlsSecret.KEY)) {
            String value = secret.getData().get(key);
            if (value == null || value.isEmpty()) return false;
        }
        if (!ownedBy(secret, job)) {
            adopt(job, secret);
            Secret authority = client.secrets().inNamespace(ns)
                    .withName(GossipTlsSecret.authorityName(job.getMetadata().getName())).get();
            if (authority != null && !ownedBy(authority, job)) adopt(job, authority);
        }
        return true;
    }

    /** Why {@code rank}'s certificate is not issued yet: its Certificate's Ready condition, as cert-manager says it. */
    public String pendingReason(DecentralizedGANJob job, int rank) {
        GenericKubernetesResource cert = client.genericKubernetesResources(CertManagerCertificates.CERTIFICATES)
                .inNamespace(job.getMetadata().getNamespace())
                .withName(GossipTlsSecret.rankName(job.getMetadata().getName(), rank)).get();
        if (cert == null) return "its Certificate does not exist";
        if (cert.getAdditionalProperties().get("status") instanceof Map<?, ?> status
                && status.get("conditions") instanceof List<?> conditions) {
            for (Object c : conditions) {
                if (c instanceof Map<?, ?> m && "Ready".equals(m.get("type"))) {
                    return "Ready=" + m.get("status") + " (" + m.get("reason") + "): " + m.get("message");
                }
            }
        }
        return "cert-manager has not reported on its Certificate yet (is cert-manager running?)";
    }

    /** Creates unless it exists; false when the kind is not served (404 on the create). */
    private boolean create(ResourceDefinitionContext kind, GenericKubernetesResource resource) {
        try {
            client.genericKubernetesResources(kind).inNamespace(resource.getMetadata().getNamespace())
                    .resource(resource).create();
            return true;
        } catch (KubernetesClientException ex) {
            if (ex.getCode() == 404) return false;
            if (ex.getCode() != 409) throw ex;
            return true;
        }
    }

    private static boolean ownedBy(Secret secret, DecentralizedGANJob job) {
        List<OwnerReference> refs = secret.getMetadata().getOwnerReferences();
        return refs != null && refs.stream().anyMatch(r -> Objects.equals(r.getUid(), job.getMetadata().getUid()));
    }

    /**
     * Adds the job as an owner (not the controller: cert-manager may make its Certificate the Secret's controller)
     * with a JSON patch that appends to the owner references the Secret has, keeping any other.
     */
    private void adopt(DecentralizedGANJob job, Secret secret) {
        OwnerReference owner = new OwnerReferenceBuilder().withApiVersion(job.getApiVersion()).withKind(job.getKind())
                .withName(job.getMetadata().getName()).withUid(job.getMetadata().getUid()).withController(false)
                .withBlockOwnerDeletion(true).build();
        List<OwnerReference> refs = secret.getMetadata().getOwnerReferences();
        Map<String, Object> op = refs == null || refs.isEmpty()
                ? Map.of("op", "add", "path", "/metadata/ownerReferences", "value", List.of(owner))
                : Map.of("op", "add", "path", "/metadata/ownerReferences/-", "value", owner);
        client.secrets().inNamespace(job.getMetadata().getNamespace()).withName(secret.getMetadata().getName())
                .patch(PatchContext.of(PatchType.JSON), Serialization.asJson(List.of(op)));
    }
}
