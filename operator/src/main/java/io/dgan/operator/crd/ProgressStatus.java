package io.dgan.operator.crd;

import com.fasterxml.jackson.annotation.JsonInclude;

/** Progress aggregated over the workers' metrics. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ProgressStatus {
    public Long minStep;
    public Long medianStep;
    public Long maxStep;
    /** Largest consensus distance reported by any worker. */
    public Double consensusDistance;
    public Double lastEvalFid;
    /** Steps per second of the median worker, measured between two samples. */
    public Double stepsPerSecond;
    public Long etaSeconds;
    public String sampledAt;
    public Integer reportingWorkers;
    /** True when the last sample is older than three sampling intervals (workers unreachable or not exporting). */
    public Boolean stale;
}
