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
    public Integer lastExitCode;
    /** UID of the last failed pod of this rank already acted on (a failure is counted once). */
    public String handledFailureUid;
}
