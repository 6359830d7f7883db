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

    /** Exit codes that fail the job at once (a bug, not a lost node). */
    public List<Integer> nonRetryableExitCodes = new ArrayList<>();
}
