package io.dgan.operator.reconcile;

import io.dgan.operator.resources.Labels;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.Collection;
import java.util.TreeMap;

/** Observe: what a worker pod says about itself (phase, readiness, deletion, rank, exit code, why it waits). */
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
        if (pod.getStatus() == null || pod.getStatus().getContainerStatuses() == null) return null;
        for (ContainerStatus cs : pod.getStatus().getContainerStatuses()) {
            if (cs.getState() != null && cs.getState().getTerminated() != null) {
                return cs.getState().getTerminated().getExitCode();
            }
        }
        return null;
    }
}
