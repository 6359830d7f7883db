package io.dgan.operator.crd;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.ArrayList;
import java.util.List;

/** What to do when a worker pod fails. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class FailurePolicy {
    public static final String REPLACE = "Replace";
    public static final String REWIRE_AND_REPLACE = "RewireAndReplace";
    public static final String RESTART_JOB = "RestartJob";

    @Default("Replace")
    @ValidationRule(value = "self in ['Replace', 'RewireAndReplace', 'RestartJob']",
            message = "spec.failurePolicy.onWorkerFailure must be Replace, RewireAndReplace or RestartJob")
    public String onWorkerFailure = REPLACE;

    /** Under RewireAndReplace: if fewer survivors than this remain (or their graph is disconnected), restart the job. */
    @Min(1)
    public Integer minHealthyWorkers;

    /** Restart budget: worker replacements plus job restarts before the job is Failed. */
    @Min(0)
    @Default("3")
    public Integer maxRestarts = 3;

    @com.fasterxml.jackson.annotation.JsonPropertyDescription("Seconds a worker waits for a neighbour's parameters "
            + "before it gives the neighbour up and exits 1, so that a hung or cut-off peer becomes a worker failure "
            + "this policy handles (env DGAN_RECEIVE_TIMEOUT_SECONDS of each worker pod). Keep it above rank 0's "
            + "longest evaluation: the others wait in their receive meanwhile. Absent: the worker's default, 1800. "
            + "Applies to pods created after a change.")
    @Min(1)
    public Long receiveTimeoutSeconds;

    /** Exit codes that fail the job at once (a bug, not a lost node). */
    public List<Integer> nonRetryableExitCodes = new ArrayList<>();
}
