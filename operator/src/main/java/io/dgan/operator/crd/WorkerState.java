package io.dgan.operator.crd;

import com.fasterxml.jackson.annotation.JsonInclude;

/** One rank as the operator last saw it. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class WorkerState {
    public Integer rank;
    public String pod;
    public String node;
    /** Pending, Running, Ready, Succeeded, Failed, Missing. */
    public String phase;
    public Integer restarts = 0;
    public Long lastStep;
    public String lastHeartbeat;
    /** The exit code of the rank's last pod that ended (Failed or Succeeded), as its worker container reported it. */
    @com.fasterxml.jackson.annotation.JsonPropertyDescription("Exit code of the rank's last pod that ended (Failed or "
            + "Succeeded): 0 done, 1 failed, 2 a configuration the worker cannot run, 3 its training diverged, 128 + n "
            + "killed by signal n.")
    public Integer lastExitCode;
    /** UID of the last failed pod of this rank already acted on (a failure is counted once). */
    public String handledFailureUid;
    /** UID of this rank's live pod as last seen: a pod that vanishes without the operator deleting it (a user's
     * delete, an eviction through the API) is a failure. */
    public String podUid;
    /** UID of the last pod of this rank the operator deleted itself (scale-down, restart, replace, suspend). */
    public String deletedUid;
    /** When the operator created this rank's current pod (its own clock, RFC 3339): the start timeout counts from it. */
    public String podCreatedAt;
    /** Why the pod is not running yet (Unschedulable, ErrImagePull, ...), while it is Pending. */
    public String waitingReason;
}
