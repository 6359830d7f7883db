package io.dgan.operator.reconcile;

import io.dgan.operator.crd.DecentralizedGANJob;
import io.dgan.operator.resources.CertManagerCertificates;
import io.dgan.operator.resources.GossipTlsSecret;
import io.dgan.operator.resources.Labels;
import io.fabric8.kubernetes.api.model.APIResource;
import io.fabric8.kubernetes.api.model.APIResourceList;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Act, for jobs whose gossip certificates cert-manager issues: create the job's Issuers and Certificates, and the
 * empty Secrets cert-manager writes them into ({@link CertManagerCertificates}; creating what exists is not an error),
 * and tell whether a rank's Secret is filled yet. Every object is read by its name: the operator needs no list or
 * watch on cert-manager's kinds or on Secrets.
 */
public final class CertManagerActions {
    /** Ranks whose Secrets a pass looks at after this many in a row were not filled yet: the rest wait a pass. */
    static final int LOOK_AHEAD = 8;
    private final KubernetesClient client;
    /** What this process created already ("uid/ca", "uid/rank"): a waiting job is looked at every 2 s. */
    private final java.util.Set<String> created;

    public CertManagerActions(KubernetesClient client) {
        this(client, java.util.concurrent.ConcurrentHashMap.newKeySet());
    }

    /** @param created shared by the passes of one operator process, so that each object is created once */
    public CertManagerActions(KubernetesClient client, java.util.Set<String> created) {
        this.client = client;
        this.created = created;
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
        String key = job.getMetadata().getUid() + "/ca";
        if (created.contains(key)) return true;
        String name = job.getMetadata().getName();
        createSecret(CertManagerCertificates.emptySecret(job, GossipTlsSecret.authorityName(name), Labels.forJob(name)));
        boolean served = create(CertManagerCertificates.ISSUERS, CertManagerCertificates.selfSignedIssuer(job))
                && create(CertManagerCertificates.CERTIFICATES, CertManagerCertificates.authority(job))
                && create(CertManagerCertificates.ISSUERS, CertManagerCertificates.authorityIssuer(job));
        if (served) created.add(key);
        return served;
    }

    /** {@code rank}'s Certificate; false when cert-manager's API is not served. */
    public boolean ensureRank(DecentralizedGANJob job, int rank, Duration validity) {
        String key = job.getMetadata().getUid() + "/" + rank;
        if (created.contains(key)) return true;
        String name = job.getMetadata().getName();
        createSecret(CertManagerCertificates.emptySecret(job, GossipTlsSecret.rankName(name, rank),
                Labels.forWorker(name, rank)));
        boolean served = create(CertManagerCertificates.CERTIFICATES, CertManagerCertificates.forRank(job, rank, validity));
        if (served) created.add(key);
        return served;
    }

    /** Whether cert-manager wrote {@code rank}'s Secret (certificate, key and CA). */
    public boolean issued(DecentralizedGANJob job, int rank) {
        Secret secret = client.secrets().inNamespace(job.getMetadata().getNamespace())
                .withName(GossipTlsSecret.rankName(job.getMetadata().getName(), rank)).get();
        if (secret == null || secret.getData() == null) return false;
        for (String key : List.of(GossipTlsSecret.CA, GossipTlsSecret.CERT, GossipTlsSecret.KEY)) {
            String value = secret.getData().get(key);
            if (value == null || value.isEmpty()) return false;
        }
        return true;
    }

    /** Why {@code rank}'s certificate is not issued yet: its Certificate's Ready condition, as cert-manager says it. */
    public String pendingReason(DecentralizedGANJob job, int rank) {
        GenericKubernetesResource cert = client.genericKubernetesResources(CertManagerCertificates.CERTIFICATES)
                .inNamespace(job.getMetadata().getNamespace())
                .withName(GossipTlsSecret.rankName(job.getMetadata().getName(), rank)).get();
        if (cert == null) {
            // Deleted since it was created (or cert-manager reinstalled): create it again on the next pass.
            created.remove(job.getMetadata().getUid() + "/" + rank);
            created.remove(job.getMetadata().getUid() + "/ca");
            return "its Certificate does not exist";
        }
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

    private void createSecret(Secret secret) {
        try {
            client.secrets().inNamespace(secret.getMetadata().getNamespace()).resource(secret).create();
        } catch (KubernetesClientException ex) {
            if (ex.getCode() != 409) throw ex;
        }
    }
}
