package io.dgan.operator.reconcile;

import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * Who issues a job's gossip certificates (the operator setting {@code GOSSIP_CERTIFICATE_ISSUER}; a job records the
 * one it got in {@code status.gossipCertificateIssuer} and keeps it for its whole life).
 */
public enum GossipCertificateIssuer {
    /** cert-manager when its API ({@code cert-manager.io/v1}) is served when a job is first applied, else the operator. */
    AUTO("auto"),
    /** The operator: a CA per job and a certificate per rank, renewed by the operator. */
    OPERATOR("operator"),
    /** cert-manager: the operator creates Issuers and Certificates; cert-manager issues and renews. */
    CERT_MANAGER("cert-manager");

    private final String value;

    GossipCertificateIssuer(String value) {
        this.value = value;
    }

    /** The name in settings and in the job's status. */
    public String value() {
        return value;
    }

    /** The issuer this setting gives a new job: {@link #AUTO} looks at whether cert-manager's API is served now. */
    public GossipCertificateIssuer resolve(io.fabric8.kubernetes.client.KubernetesClient client) {
        if (this != AUTO) return this;
        return CertManagerActions.served(client) ? CERT_MANAGER : OPERATOR;
    }

    /** Parses a setting; a bad value names {@code what} and the values it may take. */
    public static GossipCertificateIssuer of(String what, String value) {
        for (GossipCertificateIssuer i : values()) {
            if (i.value.equals(value)) return i;
        }
        throw new IllegalArgumentException(what + " must be one of "
                + Arrays.stream(values()).map(i -> i.value).collect(Collectors.joining(", ")) + ", got '" + value + "'");
    }
}
