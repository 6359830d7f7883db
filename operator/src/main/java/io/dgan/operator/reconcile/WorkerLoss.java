package io.dgan.operator.reconcile;

import static io.dgan.operator.reconcile.WorkerPods.deleting;
import static io.dgan.operator.reconcile.WorkerPods.phaseOf;
import static io.dgan.operator.reconcile.WorkerPods.waitingReason;

import io.dgan.operator.crd.WorkerState;
import io.fabric8.kubernetes.api.model.Pod;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.function.IntFunction;
import java.util.function.Predicate;

/**
 * Decide: whether a rank's worker is lost, and whether a worker has waited too long to start. Pure functions of what
 * was observed (the pod, or its absence, and the rank's recorded state); the failure policy acts on the result.
 *
 * @param cause    Failed (a crash), Evicted (the kubelet's eviction), Deleted (by anyone but the operator)
 * @param uid      the lost pod's UID (a loss is acted on once per UID)
 * @param what     how the event reads in conditions and Events: "failed (exit 137)", "was deleted (...)"
 * @param exitCode the worker's exit code, when it exited
 */
public record WorkerLoss(String cause, String uid, String what, Integer exitCode) {
    /**
     * The loss of a rank's worker, if any: its pod Failed; or it is terminating or gone and the operator did not
     * delete it ({@code deletedByOperator}); a pod that Succeeded is never lost. {@code pod} is null when the rank
     * has no pod now, in which case {@code worker.podUid} (its live pod as last seen) tells whether it had one.
     */
    public static Optional<WorkerLoss> detect(Pod pod, WorkerState worker, Predicate<String> deletedByOperator) {
        String uid;
        String cause;
        if (pod != null) {
            uid = pod.getMetadata().getUid();
            if (deleting(pod)) {
                if (uid == null || deletedByOperator.test(uid) || "Succeeded".equals(phaseOf(pod))) return Optional.empty();
                cause = "Deleted";
            } else if ("Failed".equals(phaseOf(pod))) {
                cause = "Evicted".equals(pod.getStatus().getReason()) ? "Evicted" : "Failed";
            } else {
                return Optional.empty();
            }
        } else {
            uid = worker.podUid;
            if (uid == null || deletedByOperator.test(uid) || "Succeeded".equals(worker.phase)) return Optional.empty();
            cause = "Deleted";
        }
        if (uid != null && uid.equals(worker.handledFailureUid)) return Optional.empty();
        Integer exitCode = pod == null ? null : WorkerPods.exitCode(pod);
        String what = switch (cause) {
            case "Deleted" -> "was deleted (not by the operator)";
            case "Evicted" -> "was evicted" + (pod.getStatus().getMessage() == null ? ""
                    : " (" + pod.getStatus().getMessage() + ")");
            default -> "failed (exit " + exitCode + ")";
        };
        return Optional.of(new WorkerLoss(cause, uid, what, exitCode));
    }

    /**
     * The first worker Pending for {@code timeout} or longer, as a message naming rank, pod and Kubernetes' reason;
     * empty when none. The wait counts from {@code createdAt.apply(rank)} (the operator's own record, RFC 3339),
     * else from the pod's creationTimestamp.
     */
    public static Optional<String> startTimedOut(Map<Integer, Pod> pods, int workers, IntFunction<String> createdAt,
                                                 Instant now, Duration timeout) {
        for (Map.Entry<Integer, Pod> e : pods.entrySet()) {
            Pod pod = e.getValue();
            if (e.getKey() >= workers || deleting(pod) || !"Pending".equals(phaseOf(pod))) continue;
            String recorded = createdAt.apply(e.getKey());
            String created = recorded != null ? recorded : pod.getMetadata().getCreationTimestamp();
            if (created == null) continue;
            Duration waited = Duration.between(Instant.parse(created), now);
            if (waited.compareTo(timeout) >= 0) {
                return Optional.of("rank " + e.getKey() + " pod " + pod.getMetadata().getName() + " Pending for "
                        + waited.getSeconds() + " s (spec.runPolicy.startTimeoutSeconds=" + timeout.getSeconds()
                        + "): " + waitingReason(pod));
            }
        }
        return Optional.empty();
    }
}
