package io.dgan.operator.reconcile;

import static io.dgan.operator.reconcile.WorkerPods.deleting;
import static io.dgan.operator.reconcile.WorkerPods.phaseOf;
import static io.dgan.operator.reconcile.WorkerPods.waitingReason;

import io.dgan.operator.crd.WorkerState;
import io.fabric8.kubernetes.api.model.Pod;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.IntFunction;
import java.util.function.Predicate;

/**
 * Decide: whether a rank's worker is lost, and whether a worker has waited too long to start. Pure functions of what
 * was observed (the pod, or its absence, and the rank's recorded state); the failure policy acts on the result.
 *
 * @param cause      Failed (a crash), Evicted (the kubelet's eviction), Deleted (by anyone but the operator)
 * @param uid        the lost pod's UID (a loss is acted on once per UID)
 * @param what       how the event reads in conditions and Events: "failed (exit 137)", "failed (exit 3: rank 2
 *                   diverged at iteration 1,234: ...)", "was deleted (...)"
 * @param exitCode   the worker's exit code, when it exited
 * @param message    the worker's own line on why it stopped ({@link #workerLine}), when it left one
 * @param finishedAt when its container stopped, by the node's clock, when reported
 */
public record WorkerLoss(String cause, String uid, String what, Integer exitCode, String message, Instant finishedAt) {
    /** A worker whose own losses or parameters became NaN or infinite stops with this code (the worker contract). */
    public static final int DIVERGED_EXIT_CODE = 3;
    /**
     * A worker that failed. A diverged rank's neighbours stop with {@link #DIVERGED_EXIT_CODE} or wait (under a live
     * topology), but one may fail on its own around it: such an exit waits for {@link #SETTLE}.
     */
    public static final int FAILED_EXIT_CODE = 1;
    /** The most characters of the worker's line kept: enough for its reason, short enough for an Event. */
    public static final int MAX_LINE = 300;
    /**
     * How long after a worker exited 1 the failure policy waits before acting on it. A diverged rank's neighbours
     * stop with exit 3 themselves (or wait, under a live topology), but a worker may fail on its own within a second
     * or two of a diverged rank's exit 3, and the kubelets on their nodes may report them in either order: acted on
     * at once, that exit would replace it, or restart the job and delete the diverged rank's pod before its exit 3
     * was seen. Short next to a replacement's start (scheduling, image, JVM, dataset).
     */
    public static final Duration SETTLE = Duration.ofSeconds(10);

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
        String message = pod == null ? null : workerLine(WorkerPods.terminationMessage(pod));
        String what = switch (cause) {
            case "Deleted" -> "was deleted (not by the operator)";
            case "Evicted" -> "was evicted" + (pod.getStatus().getMessage() == null ? ""
                    : " (" + pod.getStatus().getMessage() + ")");
            default -> "failed (exit " + exitCode + (message == null ? "" : ": " + message) + ")";
        };
        return Optional.of(new WorkerLoss(cause, uid, what, exitCode, message,
                pod == null ? null : WorkerPods.finishedAt(pod)));
    }

    /** Whether the worker stopped because its own training diverged (exit code 3). */
    public boolean diverged() {
        return exitCode != null && exitCode == DIVERGED_EXIT_CODE;
    }

    /**
     * How much longer to wait before acting on this loss (see {@link #SETTLE}); empty: act now. Only a worker that
     * exited 1 waits, until {@code SETTLE} after its container stopped. A stop time more than {@code SETTLE} ahead of
     * {@code now} (the node's clock far ahead of the operator's) is not waited for: no loss waits over twice
     * {@code SETTLE}.
     */
    public Optional<Duration> settling(Instant now) {
        if (!"Failed".equals(cause) || exitCode == null || exitCode != FAILED_EXIT_CODE || finishedAt == null) {
            return Optional.empty();
        }
        Duration left = Duration.between(now, finishedAt.plus(SETTLE));
        if (left.isNegative() || left.isZero() || left.compareTo(SETTLE.multipliedBy(2)) > 0) return Optional.empty();
        return Optional.of(left);
    }

    /**
     * The order in which to act on the losses of one pass, by rank: diverged ranks first. A divergence fails the
     * job, and its neighbours' exits are its consequence: acted on first, they would replace a rank or restart the
     * job (deleting the diverged rank's pod) for nothing.
     */
    public static List<Integer> actionOrder(Map<Integer, WorkerLoss> losses) {
        List<Integer> order = new ArrayList<>(new TreeMap<>(losses).keySet());
        order.sort(Comparator.comparing((Integer rank) -> !losses.get(rank).diverged()));
        return order;
    }

    /**
     * The worker's line from its container's termination message: the last non-empty line (the worker writes one;
     * a log tail under FallbackToLogsOnError ends with the last thing it printed), control characters as spaces,
     * trimmed, and cut to {@link #MAX_LINE} characters ending in an ellipsis. Null when there is none.
     */
    public static String workerLine(String terminationMessage) {
        if (terminationMessage == null) return null;
        String last = null;
        for (String line : terminationMessage.split("\\R")) {
            if (!line.isBlank()) last = line;
        }
        if (last == null) return null;
        String line = last.replaceAll("\\p{Cntrl}", " ").strip();
        if (line.codePointCount(0, line.length()) <= MAX_LINE) return line;
        return line.substring(0, line.offsetByCodePoints(0, MAX_LINE - 1)).stripTrailing() + "\u2026";
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
