package io.dgan.operator.reconcile;

import io.dgan.operator.crd.DecentralizedGANJobStatus;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/** metav1.Condition bookkeeping: lastTransitionTime moves only when the status flips. */
public final class JobConditions {
    public static final String CREATED = "Created";
    public static final String PEERS_READY = "PeersReady";
    public static final String RUNNING = "Running";
    public static final String DEGRADED = "Degraded";
    public static final String RESTARTING = "Restarting";
    public static final String SUSPENDED = "Suspended";
    /** Only on jobs labelled kueue.x-k8s.io/queue-name: whether Kueue admitted the job's Workload. */
    public static final String ADMITTED = "Admitted";
    /** Only on jobs whose gossip certificates cert-manager issues: whether every rank to start has its Secret. */
    public static final String CERTIFICATES_ISSUED = "CertificatesIssued";
    public static final String SUCCEEDED = "Succeeded";
    public static final String FAILED = "Failed";
    public static final String VALIDATION_FAILED = "ValidationFailed";

    // The reasons of Failed=True (also the label of dgan_operator_jobs_failed_total).
    public static final String DEADLINE_EXCEEDED = "DeadlineExceeded";
    public static final String WORKER_START_TIMEOUT = "WorkerStartTimeout";
    public static final String DIVERGED = "Diverged";
    public static final String NON_RETRYABLE_EXIT_CODE = "NonRetryableExitCode";
    public static final String RESTART_BUDGET_EXHAUSTED = "RestartBudgetExhausted";
    /** Each reason of Failed=True and when a job fails with it, as docs/reference/crd.md lists them. */
    public static final Map<String, String> FAILED_REASONS = failedReasons();

    private JobConditions() {
    }

    private static Map<String, String> failedReasons() {
        Map<String, String> reasons = new LinkedHashMap<>();
        reasons.put(DEADLINE_EXCEEDED, "The job ran longer than `spec.runPolicy.activeDeadlineSeconds`, counted from "
                + "its start or its last resume.");
        reasons.put(WORKER_START_TIMEOUT, "A worker stayed Pending longer than `spec.runPolicy.startTimeoutSeconds`; "
                + "the message names the rank, the pod and the reason Kubernetes gives (unschedulable, `ErrImagePull`, "
                + "...).");
        reasons.put(DIVERGED, "A worker exited " + WorkerLoss.DIVERGED_EXIT_CODE + ": its own losses or parameters "
                + "became NaN or infinite. The job fails at once, whatever `spec.failurePolicy` says (policy, "
                + "`maxRestarts`, `nonRetryableExitCodes`): workers resume from the newest checkpoint with the same "
                + "learning rates, so a replacement or restart would diverge again. The message names the rank and "
                + "carries the worker's line (the iteration, what became non-finite, the newest checkpoint with "
                + "finite parameters). To go on, lower `spec.optimizer.lrGenerator` and `lrDiscriminator` on the "
                + "job: it runs again from the newest checkpoint every rank has (docs/howto/failures.md).");
        reasons.put(NON_RETRYABLE_EXIT_CODE, "A worker exited with a code listed in "
                + "`spec.failurePolicy.nonRetryableExitCodes`.");
        reasons.put(RESTART_BUDGET_EXHAUSTED, "A worker was lost after `status.restarts` had reached "
                + "`spec.failurePolicy.maxRestarts`; the message says how (its exit code and line, an eviction, a "
                + "deletion).");
        return Collections.unmodifiableMap(reasons);
    }

    /** Sets a condition; returns true when its status flipped (or it is new with status True). */
    public static boolean set(DecentralizedGANJobStatus status, String type, boolean value, String reason,
                              String message, Long generation, Instant now) {
        String s = value ? "True" : "False";
        Optional<Condition> existing = find(status, type);
        if (existing.isEmpty()) {
            status.conditions.add(new ConditionBuilder().withType(type).withStatus(s).withReason(reason)
                    .withMessage(message == null ? "" : message).withObservedGeneration(generation)
                    .withLastTransitionTime(now.toString()).build());
            return value;
        }
        Condition c = existing.get();
        boolean flipped = !s.equals(c.getStatus());
        if (flipped) c.setLastTransitionTime(now.toString());
        c.setStatus(s);
        c.setReason(reason);
        c.setMessage(message == null ? "" : message);
        c.setObservedGeneration(generation);
        return flipped;
    }

    public static boolean isTrue(DecentralizedGANJobStatus status, String type) {
        return find(status, type).map(c -> "True".equals(c.getStatus())).orElse(false);
    }

    public static Optional<Condition> find(DecentralizedGANJobStatus status, String type) {
        return status.conditions.stream().filter(c -> type.equals(c.getType())).findFirst();
    }
}
