package io.dgan.operator.crd;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.model.annotation.SpecReplicas;

/**
 * What the user asks for. The CEL rules check what can be checked without running anything; the reconciler's
 * {@code SpecValidator} repeats every check (a cluster without CEL, or the mock, must still reject bad specs).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = "!has(self.topology) || !has(self.topology.type) || !(self.topology.type in ['Hypercube', 'OnePeerHypercube']) || self.workers in "
        + "[1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024]",
        message = "spec.topology.type Hypercube and OnePeerHypercube need spec.workers to be a power of two",
        reason = "FieldValueInvalid")
@ValidationRule(value = "!has(self.topology) || !has(self.topology.type) || self.topology.type != 'Torus' || self.workers >= 4",
        message = "spec.topology.type Torus needs spec.workers = rows x cols with rows, cols >= 2",
        reason = "FieldValueInvalid")
@ValidationRule(value = "!has(self.topology) || !has(self.topology.type) || self.topology.type != 'Complete' || self.workers <= "
        + DecentralizedGANJobSpec.MAX_COMPLETE_WORKERS,
        message = "spec.topology.type Complete allows at most " + DecentralizedGANJobSpec.MAX_COMPLETE_WORKERS
                + " workers (every rank gossips with every other; its W is M² entries in the topology ConfigMap)",
        reason = "FieldValueInvalid")
@ValidationRule(value = "!has(self.failurePolicy) || !has(self.failurePolicy.minHealthyWorkers) "
        + "|| self.failurePolicy.minHealthyWorkers <= self.workers",
        message = "spec.failurePolicy.minHealthyWorkers must not exceed spec.workers", reason = "FieldValueInvalid")
@ValidationRule(value = "!has(self.model) || !has(self.model.type) || !has(self.dataset) || !has(self.dataset.type) "
        + "|| (self.model.type == 'mlp') == (self.dataset.type == 'synthetic')",
        message = "spec.model.type mlp trains on spec.dataset.type synthetic (2-D points); dcgan, dcgan-small and "
                + "resnet-wgan-gp on images (fashion-mnist, mnist, cifar10)",
        reason = "FieldValueInvalid")
public class DecentralizedGANJobSpec {
    /** The topology ConfigMap holds W sparsely; the operator's spectral analysis of W is dense, O(M³). */
    public static final int MAX_WORKERS = 1024;
    public static final int MAX_COMPLETE_WORKERS = 256;

    @Required
    @Min(1)
    @io.fabric8.generator.annotation.Max(MAX_WORKERS)
    @SpecReplicas
    @JsonPropertyDescription("Number of workers M (ranks 0..M-1), at most 1024 (256 on a Complete graph). Scale "
            + "subresource target.")
    public Integer workers;

    @Required
    public ModelSpec model;

    @Required
    public DatasetSpec dataset;

    @Required
    public OptimizerSpec optimizer;

    public TrainingSpec training = new TrainingSpec();

    @io.fabric8.generator.annotation.Default("{}") // so its own defaults (Ring, one gossip round) apply when omitted
    public TopologySpec topology = new TopologySpec();

    @Required
    @JsonPropertyDescription("Pod template for every worker; the container named 'worker' (or the first) runs "
            + "`dgan worker`. Resources (e.g. nvidia.com/gpu), node selectors, tolerations, volumes go here.")
    public PodTemplateSpec template;

    public FailurePolicy failurePolicy = new FailurePolicy();

    public RunPolicy runPolicy = new RunPolicy();

    public MonitoringSpec monitoring = new MonitoringSpec();

    @JsonPropertyDescription("Change it (to any other value) to restart every worker from the newest checkpoint "
            + "every rank has, like a change of the pod template; on a Failed job, to run it again with a new restart "
            + "budget when nothing else needs to change (a longer deadline, a larger maxRestarts, a fixed node).")
    public Long restartNonce;
}
