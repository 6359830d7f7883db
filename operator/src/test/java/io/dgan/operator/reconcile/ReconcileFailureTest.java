package io.dgan.operator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import org.junit.jupiter.api.Test;

/** The one line a ReconcileFailed event says, for the API server's refusals as it words them. */
class ReconcileFailureTest {
    static KubernetesClientException refused(int code, String message) {
        return new KubernetesClientException("Failure executing: POST at: https://api/x. Message: " + message
                + ".\nmore lines", code, new StatusBuilder().withCode(code).withMessage(message).build());
    }

    @Test
    void anRbacRefusalNamesTheMissingGrant() {
        String rbac = "secrets is forbidden: User \"system:serviceaccount:dgan-system:dgan-dgan-operator\" cannot "
                + "create resource \"secrets\" in API group \"\" in the namespace \"training\"";
        assertThat(ReconcileFailure.describe(new IllegalStateException("wrapped", refused(403, rbac))))
                .isEqualTo("the API server refused a request (403 Forbidden): " + rbac
                        + " (the operator's ClusterRole lacks a grant; the chart's grants exactly what it uses)");
    }

    @Test
    void aTerminatingNamespaceIsARefusalButNotAMissingGrant() {
        String terminating = "secrets \"gan-gossip-tls-0\" is forbidden: unable to create new content in namespace "
                + "training because it is being terminated";
        assertThat(ReconcileFailure.describe(refused(403, terminating)))
                .isEqualTo("the API server refused a request (403 Forbidden): " + terminating);
    }

    @Test
    void otherFailuresAreOneLine() {
        assertThat(ReconcileFailure.describe(refused(422, "Certificate.cert-manager.io \"x\" is invalid")))
                .isEqualTo("the API server answered 422: Certificate.cert-manager.io \"x\" is invalid");
        assertThat(ReconcileFailure.describe(new KubernetesClientException("connect timed out\nat ...")))
                .isEqualTo("the API server could not be reached: connect timed out");
        assertThat(ReconcileFailure.describe(new IllegalArgumentException("bad\nsecond"))).isEqualTo(
                "IllegalArgumentException: bad");
    }
}
