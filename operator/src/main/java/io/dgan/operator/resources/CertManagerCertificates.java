package io.dgan.operator.resources;

import io.dgan.operator.crd.DecentralizedGANJob;
import io.dgan.transport.PeerIdentity;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A job's gossip certificates as cert-manager resources, for clusters where cert-manager issues them instead of the
 * operator. The same chain and the same Secrets as {@link GossipTlsSecret}, so the worker pods mount them unchanged:
 * <pre>
 *   Issuer      &lt;job&gt;-gossip-selfsigned   selfSigned
 *   Certificate &lt;job&gt;-gossip-ca           isCA, ECDSA P-256, 10 years      → Secret &lt;job&gt;-gossip-ca
 *   Issuer      &lt;job&gt;-gossip-ca           ca: {secretName: &lt;job&gt;-gossip-ca}
 *   Certificate &lt;job&gt;-gossip-tls-&lt;rank&gt;   URI SAN dgan://&lt;job&gt;/rank/&lt;rank&gt;, pod DNS name,
 *                                           server + client auth, a new ECDSA P-256 key (PKCS#8) at every renewal
 *                                                                               → Secret &lt;job&gt;-gossip-tls-&lt;rank&gt;
 * </pre>
 * A CA per job, as with the operator's own issuer: a peer of another job cannot even complete a handshake. Every
 * object is owned by the job, the Secrets too ({@link #emptySecret}). cert-manager renews each rank's certificate when a third of its validity is left
 * ({@code renewBefore}), as the operator does; the running worker re-reads the files Kubernetes updates.
 *
 * <p>Pure builders (their tests read like the YAML they make); creating them is {@code CertManagerActions}' job.
 */
public final class CertManagerCertificates {
    public static final String GROUP = "cert-manager.io";
    public static final String VERSION = "v1";
    public static final ResourceDefinitionContext CERTIFICATES = context("Certificate", "certificates");
    public static final ResourceDefinitionContext ISSUERS = context("Issuer", "issuers");

    private CertManagerCertificates() {
    }

    private static ResourceDefinitionContext context(String kind, String plural) {
        return new ResourceDefinitionContext.Builder().withGroup(GROUP).withVersion(VERSION).withKind(kind)
                .withPlural(plural).withNamespaced(true).build();
    }

    public static String selfSignedIssuerName(String job) {
        return job + "-gossip-selfsigned";
    }

    /** The CA Issuer has the name of the CA's Certificate and Secret. */
    public static String authorityIssuerName(String job) {
        return GossipTlsSecret.authorityName(job);
    }

    /** The Issuer that signs the job's CA certificate (itself). */
    public static GenericKubernetesResource selfSignedIssuer(DecentralizedGANJob job) {
        return resource("Issuer", Owners.ownedMetadata(job, selfSignedIssuerName(job.getMetadata().getName())),
                Map.of("selfSigned", Map.of()));
    }

    /** The job's CA certificate, written by cert-manager to the Secret {@code <job>-gossip-ca}. */
    public static GenericKubernetesResource authority(DecentralizedGANJob job) {
        String name = job.getMetadata().getName();
        new PeerIdentity(name, 0); // the job name must fit a URI SAN
        Map<String, Object> spec = new LinkedHashMap<>();
        spec.put("isCA", true);
        spec.put("commonName", "dgan gossip CA " + name);
        spec.put("secretName", GossipTlsSecret.authorityName(name));
        spec.put("duration", goDuration(GossipTlsSecret.AUTHORITY_VALIDITY)); // as the operator's own CA
        spec.put("privateKey", Map.of("algorithm", "ECDSA", "size", 256, "encoding", "PKCS8"));
        spec.put("issuerRef", issuerRef(selfSignedIssuerName(name)));
        return resource("Certificate", Owners.ownedMetadata(job, GossipTlsSecret.authorityName(name)), spec);
    }

    /** The Issuer that signs the ranks' certificates with the job's CA. */
    public static GenericKubernetesResource authorityIssuer(DecentralizedGANJob job) {
        String name = job.getMetadata().getName();
        return resource("Issuer", Owners.ownedMetadata(job, authorityIssuerName(name)),
                Map.of("ca", Map.of("secretName", GossipTlsSecret.authorityName(name))));
    }

    /**
     * {@code rank}'s certificate, valid {@code validity} and renewed when a third of it is left; its Secret has the
     * rank's name and labels, as the operator's own would.
     */
    public static GenericKubernetesResource forRank(DecentralizedGANJob job, int rank, Duration validity) {
        String name = job.getMetadata().getName();
        PeerIdentity identity = new PeerIdentity(name, rank);
        String secret = GossipTlsSecret.rankName(name, rank);
        Map<String, String> labels = Labels.forWorker(name, rank);
        Map<String, Object> spec = new LinkedHashMap<>();
        spec.put("secretName", secret);
        spec.put("secretTemplate", Map.of("labels", labels));
        spec.put("duration", goDuration(validity));
        spec.put("renewBefore", goDuration(validity.dividedBy(3)));
        spec.put("uris", List.of(identity.uri()));
        spec.put("dnsNames", List.of(GossipTlsSecret.podDnsName(job, rank)));
        spec.put("usages", List.of("digital signature", "server auth", "client auth"));
        // A new key at every renewal (cert-manager's default since 1.18, spelled out for older ones); PKCS#8, the
        // encoding the operator's own keys have.
        spec.put("privateKey", Map.of("algorithm", "ECDSA", "size", 256, "encoding", "PKCS8",
                "rotationPolicy", "Always"));
        spec.put("issuerRef", issuerRef(authorityIssuerName(name)));
        ObjectMeta meta = Owners.ownedMetadata(job, secret);
        meta.setLabels(new LinkedHashMap<>(labels));
        return resource("Certificate", meta, spec);
    }

    /**
     * The Secret cert-manager will write {@code name} into, created empty beforehand so that it is the job's from the
     * start: cert-manager keeps a Secret's owner references (it applies only its own fields) but does not set any
     * itself by default, and adding one afterwards would need {@code delete} on Secrets (the API server's
     * OwnerReferencesPermissionEnforcement). The job is an owner, not the controller: cert-manager run with
     * {@code --enable-certificate-owner-ref} makes the Certificate the controller.
     */
    public static Secret emptySecret(DecentralizedGANJob job, String name, Map<String, String> labels) {
        ObjectMeta meta = Owners.ownedMetadata(job, name);
        meta.setLabels(new LinkedHashMap<>(labels));
        meta.getOwnerReferences().forEach(o -> o.setController(false));
        // kubernetes.io/tls requires both keys to be present; empty until cert-manager issues.
        Map<String, String> data = new LinkedHashMap<>();
        data.put(GossipTlsSecret.CERT, "");
        data.put(GossipTlsSecret.KEY, "");
        return new SecretBuilder().withMetadata(meta).withType(GossipTlsSecret.TYPE).withData(data).build();
    }

    /** A Go duration in whole seconds ({@code "7776000s"}), the form cert-manager's duration fields take. */
    static String goDuration(Duration d) {
        return Math.max(1, d.toSeconds()) + "s";
    }

    private static Map<String, Object> issuerRef(String issuer) {
        return Map.of("name", issuer, "kind", "Issuer", "group", GROUP);
    }

    private static GenericKubernetesResource resource(String kind, ObjectMeta meta, Map<String, Object> spec) {
        GenericKubernetesResource r = new GenericKubernetesResource();
        r.setApiVersion(GROUP + "/" + VERSION);
        r.setKind(kind);
        r.setMetadata(meta);
        r.setAdditionalProperty("spec", spec);
        return r;
    }
}
