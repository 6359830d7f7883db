package io.dgan.operator.reconcile;

import io.dgan.operator.resources.Labels;
import io.fabric8.kubernetes.api.model.ContainerStateTerminated;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Collection;
import java.util.TreeMap;

/**
 * Observe: what a worker pod says about itself (phase, readiness, deletion, rank, exit code and message, why it
 * waits).
 */
public final class WorkerPods {
    private WorkerPods() {
    }

    /** The job's pods by rank (pods without a rank label are not workers). */
    public static TreeMap<Integer, Pod> byRank(Collection<Pod> pods) {
        TreeMap<Integer, Pod> out = new TreeMap<>();
        for (Pod pod : pods) {
            String rank = pod.getMetadata().getLabels() == null ? null : pod.getMetadata().getLabels().get(Labels.RANK);
            if (rank != null) out.put(Integer.parseInt(rank), pod);
        }
        return out;
    }

    public static String phaseOf(Pod pod) {
        return pod.getStatus() == null || pod.getStatus().getPhase() == null ? "Pending" : pod.getStatus().getPhase();
    }

    public static boolean ready(Pod pod) {
        return "Running".equals(phaseOf(pod)) && pod.getStatus().getConditions() != null
                && pod.getStatus().getConditions().stream()
                .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
    }

    public static boolean deleting(Pod pod) {
        return pod.getMetadata().getDeletionTimestamp() != null;
    }

    public static int rank(Pod pod) {
        return Integer.parseInt(pod.getMetadata().getLabels().get(Labels.RANK));
    }

    public static String annotation(Pod pod, String key) {
        return pod.getMetadata().getAnnotations() == null ? null : pod.getMetadata().getAnnotations().get(key);
    }

    /**
     * Why a Pending pod is not running, as Kubernetes says it: the scheduler's PodScheduled=False reason and message
     * (Unschedulable: 0/4 nodes are available: insufficient nvidia.com/gpu), else a container's waiting reason
     * (ErrImagePull, ImagePullBackOff, CreateContainerConfigError) and message.
     */
    public static String waitingReason(Pod pod) {
        if (pod.getStatus() != null && pod.getStatus().getConditions() != null) {
            for (var c : pod.getStatus().getConditions()) {
                if ("PodScheduled".equals(c.getType()) && "False".equals(c.getStatus())) {
                    return (c.getReason() == null ? "NotScheduled" : c.getReason())
                            + (c.getMessage() == null ? "" : ": " + c.getMessage());
                }
            }
        }
        if (pod.getStatus() != null && pod.getStatus().getContainerStatuses() != null) {
            for (ContainerStatus cs : pod.getStatus().getContainerStatuses()) {
                if (cs.getState() != null && cs.getState().getWaiting() != null
                        && cs.getState().getWaiting().getReason() != null) {
                    var w = cs.getState().getWaiting();
                    return w.getReason() + (w.getMessage() == null ? "" : ": " + w.getMessage());
                }
            }
        }
        return "Pending (no reason reported yet)";
    }

    public static Integer exitCode(Pod pod) {
        ContainerStateTerminated terminated = terminated(pod);
        return terminated == null ? null : terminated.getExitCode();
    }

    /**
     * What the worker wrote about why it stopped: its container's {@code state.terminated.message}, which the
     * kubelet reads from the container's terminationMessagePath or, under {@code FallbackToLogsOnError} when the
     * worker wrote nothing, takes from the tail of its log. Null while no container has terminated, or when empty.
     */
    public static String terminationMessage(Pod pod) {
        ContainerStateTerminated terminated = terminated(pod);
        return terminated == null ? null : terminated.getMessage();
    }

    /** When the container stopped ({@code state.terminated.finishedAt}, the node's clock); null if not reported. */
    public static Instant finishedAt(Pod pod) {
        ContainerStateTerminated terminated = terminated(pod);
        if (terminated == null || terminated.getFinishedAt() == null) return null;
        try {
            return Instant.parse(terminated.getFinishedAt());
        } catch (DateTimeParseException unreadable) {
            return null;
        }
    }

    /**
     * The worker container's terminated state (the container {@code WorkerPod.workerContainer} picks from the pod's
     * spec: a sidecar's exit code and message are not the worker's); without a spec to tell, the first container
     * that terminated.
     */
    private static ContainerStateTerminated terminated(Pod pod) {
        if (pod.getStatus() == null || pod.getStatus().getContainerStatuses() == null) return null;
        String worker = null;
        if (pod.getSpec() != null && pod.getSpec().getContainers() != null && !pod.getSpec().getContainers().isEmpty()) {
            worker = io.dgan.operator.resources.WorkerPod.workerContainer(pod.getSpec()).getName();
        }
        ContainerStateTerminated first = null;
        for (ContainerStatus cs : pod.getStatus().getContainerStatuses()) {
            if (cs.getState() == null || cs.getState().getTerminated() == null) continue;
            if (worker != null && worker.equals(cs.getName())) return cs.getState().getTerminated();
            if (first == null) first = cs.getState().getTerminated();
        }
        return worker == null ? first : null;
    }
}
