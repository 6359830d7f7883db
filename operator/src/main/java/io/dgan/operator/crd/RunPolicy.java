package io.dgan.operator.crd;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.ValidationRule;

/** Lifecycle: suspend/resume, deadline, cleanup after finish. Timers are recomputed from status timestamps,
 * so they survive an operator restart. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class RunPolicy {
    @Default("false")
    public Boolean suspend = false;

    /** Seconds from (re)start until the job is failed with reason DeadlineExceeded. */
    @Min(1)
    public Long activeDeadlineSeconds;

    /** Seconds a worker pod may stay Pending (unschedulable, image not pulled, a GPU not granted) before the job
     * fails with reason WorkerStartTimeout, naming the pod and its reason. */
    @Min(1)
    @Default("600")
    public Long startTimeoutSeconds = 600L;

    /** Seconds after Succeeded/Failed until the job (and, by owner references, everything it owns) is deleted. */
    @Min(0)
    public Long ttlSecondsAfterFinished;

    /** Which pods to delete when the job finishes: All, Running (keep failed ones for debugging) or None. */
    @Default("Running")
    @ValidationRule(value = "self in ['All', 'Running', 'None']", message = "spec.runPolicy.cleanPodPolicy must be All, Running or None")
    public String cleanPodPolicy = "Running";
}
