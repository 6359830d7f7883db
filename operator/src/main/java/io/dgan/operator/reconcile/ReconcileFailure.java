package io.dgan.operator.reconcile;

import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Duration;

/**
 * A reconcile that threw: what the job's Warning event says about it, in one line. The API server's refusals are the
 * common case on a real cluster (a ClusterRole edited by hand, a policy engine, an admission webhook); they are named
 * with the request that was refused, so that whoever reads {@code kubectl describe} knows which grant is missing.
 */
final class ReconcileFailure {
    /** After the retries of one failure are spent, the job is reconciled again this much later, not abandoned. */
    static final Duration RETRY_AFTER_EXHAUSTION = Duration.ofSeconds(30);

    private ReconcileFailure() {
    }

    static String describe(Exception e) {
        KubernetesClientException api = apiError(e);
        if (api != null) {
            // The API server's own message names the verb, resource, group and namespace it refused.
            String status = api.getStatus() != null && api.getStatus().getMessage() != null
                    ? api.getStatus().getMessage() : firstLine(api.getMessage());
            return switch (api.getCode()) {
                case 403 -> "the API server refused a request (403 Forbidden): " + status + (rbacDenial(status)
                        ? " (the operator's ClusterRole lacks a grant; the chart's grants exactly what it uses)" : "");
                // No HTTP answer at all (Fabric8 reports code -1 or 0).
                case 0, -1 -> "the API server could not be reached: " + firstLine(api.getMessage());
                default -> "the API server answered " + api.getCode() + (api.getFullResourceName() == null ? ""
                        : " on " + api.getFullResourceName()) + ": " + status;
            };
        }
        return e.getClass().getSimpleName() + ": " + firstLine(e.getMessage());
    }

    /**
     * Whether a 403 is RBAC's ({@code User "…" cannot create resource "secrets" …}), not another refusal with the same
     * code such as a namespace being deleted ({@code unable to create new content in namespace …}).
     */
    static boolean rbacDenial(String message) {
        return message.contains(" cannot ") && message.contains(" resource ");
    }

    private static KubernetesClientException apiError(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof KubernetesClientException k) return k;
        }
        return null;
    }

    private static String firstLine(String s) {
        if (s == null) return "(no message)";
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
