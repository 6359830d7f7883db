package io.dgan.operator.crd;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.model.annotation.LabelSelector;
import io.fabric8.kubernetes.model.annotation.StatusReplicas;
import java.util.ArrayList;
import java.util.List;

/**
 * Everything the operator knows about a job lives here, so that a restarted operator resumes where it was:
 * timestamps for the timers, the applied spec for change classification, the topology epoch, restart counts.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class DecentralizedGANJobStatus {
    public String phase;
    public Long observedGeneration;
    public List<Condition> conditions = new ArrayList<>();

    /** Worker pods existing (scale subresource's status.replicas). */
    @StatusReplicas
    public Integer replicas;
    /** Label selector of the worker pods (scale subresource, for HPA-style tooling). */
    @LabelSelector
    public String selector;
    public Integer readyWorkers;
    /** "ready/desired", for the printer column. */
    public String ready;

    public List<WorkerState> workers = new ArrayList<>();
    public TopologyStatus topology;
    public ProgressStatus progress;

    /** Replacements and job restarts so far, counted against spec.failurePolicy.maxRestarts. */
    public Integer restarts = 0;

    /** The spec the running workers were started from (for classifying a spec change). */
    public AppliedSpec applied;

    /**
     * Who issues this job's gossip certificates, {@code operator} or {@code cert-manager}: decided when the job is
     * first applied (operator setting GOSSIP_CERTIFICATE_ISSUER) and kept for the job's life.
     */
    @com.fasterxml.jackson.annotation.JsonPropertyDescription("Who issues this job's gossip certificates: operator "
            + "or cert-manager. Chosen when the job is first applied (operator setting GOSSIP_CERTIFICATE_ISSUER) and "
            + "kept for the job's life.")
    public String gossipCertificateIssuer;

    /** RFC 3339 timestamps. */
    public String startTime;
    public String runningTime;
    public String completionTime;
    public String message;
}
