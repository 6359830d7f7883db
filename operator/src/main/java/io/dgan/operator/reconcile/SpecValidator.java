package io.dgan.operator.reconcile;

import io.dgan.operator.crd.DatasetSpec;
import io.dgan.operator.crd.DecentralizedGANJob;
import io.dgan.operator.crd.DecentralizedGANJobSpec;
import io.dgan.operator.crd.FailurePolicy;
import io.dgan.operator.crd.ModelSpec;
import io.dgan.operator.crd.OptimizerSpec;
import io.dgan.operator.crd.TopologySpec;
import io.dgan.operator.topology.TopologyPlanner;
import io.fabric8.kubernetes.api.model.Container;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Repeats in the reconciler every check the CRD schema and its CEL rules make, plus those CEL cannot express
 * (torus shape, name length). A cluster that skips validation, an older API server without CEL, or the test
 * mock must still get a ValidationFailed condition naming the field rather than broken pods. Each message
 * starts with the field's path.
 */
public final class SpecValidator {
    /** Pod hostnames are DNS labels (63 chars): {@code <job>-worker-<rank>} must fit. */
    static final int MAX_JOB_NAME = 45;
    /** Service names are DNS-1035 labels: {@code <job>-peers} must be one, so the job name must start with a letter. */
    static final java.util.regex.Pattern DNS_1035 = java.util.regex.Pattern.compile("[a-z]([-a-z0-9]*[a-z0-9])?");

    public List<String> validate(DecentralizedGANJob job) {
        List<String> errors = new ArrayList<>();
        String name = job.getMetadata().getName();
        if (name != null && !DNS_1035.matcher(name).matches()) {
            errors.add("metadata.name: '" + name + "' is not a DNS-1035 label (lower-case letters, digits and '-', "
                    + "starting with a letter and ending with a letter or digit); it names the workers' Service and pods");
        }
        if (name != null && name.length() > MAX_JOB_NAME) {
            errors.add("metadata.name: at most " + MAX_JOB_NAME + " characters (pod hostnames are DNS labels)");
        }
        DecentralizedGANJobSpec spec = job.getSpec();
        if (spec == null) {
            errors.add("spec: required");
            return errors;
        }
        if (spec.workers == null) {
            errors.add("spec.workers: required");
        } else if (spec.workers < 1) {
            errors.add("spec.workers: must be at least 1, got " + spec.workers);
        } else if (spec.workers > DecentralizedGANJobSpec.MAX_WORKERS) {
            errors.add("spec.workers: at most " + DecentralizedGANJobSpec.MAX_WORKERS + ", got " + spec.workers);
        } else if (spec.topology != null && "Complete".equals(spec.topology.type)
                && spec.workers > DecentralizedGANJobSpec.MAX_COMPLETE_WORKERS) {
            errors.add("spec.workers: at most " + DecentralizedGANJobSpec.MAX_COMPLETE_WORKERS
                    + " on a Complete graph, got " + spec.workers);
        }
        if (spec.model == null) {
            errors.add("spec.model: required");
        } else {
            oneOf(errors, "spec.model.type", spec.model.type, ModelSpec.TYPES, "model");
            if (spec.model.latentDim != null && spec.model.latentDim < 1) {
                errors.add("spec.model.latentDim: must be at least 1, got " + spec.model.latentDim);
            }
        }
        if (spec.dataset == null) {
            errors.add("spec.dataset: required");
        } else {
            oneOf(errors, "spec.dataset.type", spec.dataset.type, DatasetSpec.TYPES, "dataset");
            String partition = spec.dataset.partition == null ? "iid" : spec.dataset.partition;
            if (!DatasetSpec.PARTITION.matcher(partition).matches()
                    || (partition.startsWith("dirichlet:") && !(Double.parseDouble(partition.substring(10)) > 0))) {
                errors.add("spec.dataset.partition: must be iid or dirichlet:<alpha> with alpha > 0, got '"
                        + partition + "'");
            }
            if (spec.model != null && spec.model.type != null && spec.dataset.type != null
                    && ModelSpec.TYPES.contains(spec.model.type) && DatasetSpec.TYPES.contains(spec.dataset.type)
                    && spec.model.type.equals("mlp") != spec.dataset.type.equals("synthetic")) {
                errors.add("spec.model.type: " + spec.model.type + " cannot train on spec.dataset.type "
                        + spec.dataset.type + " (mlp trains on synthetic 2-D points; dcgan, dcgan-small and "
                        + "resnet-wgan-gp on images: fashion-mnist, mnist, cifar10)");
            }
        }
        if (spec.optimizer == null) {
            errors.add("spec.optimizer: required");
        } else {
            OptimizerSpec o = spec.optimizer;
            oneOf(errors, "spec.optimizer.algorithm", o.algorithm, OptimizerSpec.ALGORITHMS, "algorithm");
            positive(errors, "spec.optimizer.lrGenerator", o.lrGenerator);
            positive(errors, "spec.optimizer.lrDiscriminator", o.lrDiscriminator);
            unitInterval(errors, "spec.optimizer.beta1", o.beta1);
            unitInterval(errors, "spec.optimizer.beta2", o.beta2);
            if (o.batchSize != null && o.batchSize < 1) {
                errors.add("spec.optimizer.batchSize: must be at least 1, got " + o.batchSize);
            }
            if (o.loss != null && !OptimizerSpec.LOSS.matcher(o.loss).matches()) {
                errors.add("spec.optimizer.loss: must be bce, hinge or wgan-gp[:lambda], optionally followed by "
                        + "+r1[:gamma] or +r2[:gamma] (wgan-gp only as wgan-gp:0+r1 or +r2), got '" + o.loss + "'");
            }
            if (o.initialDirection != null && !List.of("oracle", "zero").contains(o.initialDirection)) {
                errors.add("spec.optimizer.initialDirection: must be oracle or zero, got '" + o.initialDirection + "'");
            }
            if (Boolean.TRUE.equals(o.averageMoments) && o.algorithm != null
                    && !List.of("dp-oadam", "rand-dp-oadam").contains(o.algorithm)) {
                errors.add("spec.optimizer.averageMoments: applies to dp-oadam and rand-dp-oadam, not " + o.algorithm);
            }
            if (o.secondMoment != null && !List.of("local", "neighbourhood").contains(o.secondMoment)) {
                errors.add("spec.optimizer.secondMoment: must be local or neighbourhood, got '" + o.secondMoment + "'");
            } else if ("neighbourhood".equals(o.secondMoment) && o.algorithm != null
                    && !List.of("dp-oadam", "rand-dp-oadam").contains(o.algorithm)) {
                errors.add("spec.optimizer.secondMoment: neighbourhood applies to dp-oadam and rand-dp-oadam, not "
                        + o.algorithm);
            }
        }
        if (spec.training != null) {
            if (spec.training.iterations != null && spec.training.iterations < 1) {
                errors.add("spec.training.iterations: must be at least 1, got " + spec.training.iterations);
            }
            if (spec.training.seed != null && spec.training.seed < 0) {
                errors.add("spec.training.seed: must be at least 0, got " + spec.training.seed);
            }
            if (spec.training.checkpointEvery != null && spec.training.checkpointEvery < 1) {
                errors.add("spec.training.checkpointEvery: must be at least 1, got " + spec.training.checkpointEvery);
            }
            var volume = spec.training.checkpointVolume;
            if (volume != null) {
                if (volume.size == null || !volume.size.matches(io.dgan.operator.crd.CheckpointVolumeSpec.QUANTITY)) {
                    errors.add("spec.training.checkpointVolume.size: must be a quantity such as 1Gi or 500Mi, got "
                            + volume.size);
                }
                if (volume.accessModes != null) {
                    for (String mode : volume.accessModes) {
                        if (!io.dgan.operator.crd.CheckpointVolumeSpec.ACCESS_MODES.contains(mode)) {
                            errors.add("spec.training.checkpointVolume.accessModes: unknown access mode '" + mode
                                    + "' (expected one of " + String.join(", ", io.dgan.operator.crd.CheckpointVolumeSpec.ACCESS_MODES) + ")");
                        }
                    }
                }
                if (volume.whenDeleted != null && !List.of(io.dgan.operator.crd.CheckpointVolumeSpec.DELETE,
                        io.dgan.operator.crd.CheckpointVolumeSpec.RETAIN).contains(volume.whenDeleted)) {
                    errors.add("spec.training.checkpointVolume.whenDeleted: must be Delete or Retain, got "
                            + volume.whenDeleted);
                }
            }
        }
        validateTopology(errors, spec);
        if (spec.template == null || spec.template.getSpec() == null
                || spec.template.getSpec().getContainers() == null
                || spec.template.getSpec().getContainers().isEmpty()) {
            errors.add("spec.template.spec.containers: at least one container (the worker) is required");
        } else {
            Container worker = io.dgan.operator.resources.WorkerPod.workerContainer(spec.template.getSpec());
            if (worker.getImage() == null || worker.getImage().isBlank()) {
                errors.add("spec.template.spec.containers[" + worker.getName() + "].image: required");
            }
        }
        if (spec.failurePolicy != null) {
            FailurePolicy f = spec.failurePolicy;
            oneOf(errors, "spec.failurePolicy.onWorkerFailure", f.onWorkerFailure,
                    List.of(FailurePolicy.REPLACE, FailurePolicy.REWIRE_AND_REPLACE, FailurePolicy.RESTART_JOB), "policy");
            if (f.maxRestarts != null && f.maxRestarts < 0) {
                errors.add("spec.failurePolicy.maxRestarts: must not be negative, got " + f.maxRestarts);
            }
            if (f.receiveTimeoutSeconds != null && f.receiveTimeoutSeconds < 1) {
                errors.add("spec.failurePolicy.receiveTimeoutSeconds: must be at least 1, got " + f.receiveTimeoutSeconds);
            }
            if (f.minHealthyWorkers != null && spec.workers != null && f.minHealthyWorkers > spec.workers) {
                errors.add("spec.failurePolicy.minHealthyWorkers: " + f.minHealthyWorkers
                        + " exceeds spec.workers " + spec.workers);
            }
        }
        if (spec.runPolicy != null) {
            oneOf(errors, "spec.runPolicy.cleanPodPolicy", spec.runPolicy.cleanPodPolicy,
                    List.of("All", "Running", "None"), "policy");
            if (spec.runPolicy.activeDeadlineSeconds != null && spec.runPolicy.activeDeadlineSeconds < 1) {
                errors.add("spec.runPolicy.activeDeadlineSeconds: must be at least 1");
            }
            if (spec.runPolicy.startTimeoutSeconds != null && spec.runPolicy.startTimeoutSeconds < 1) {
                errors.add("spec.runPolicy.startTimeoutSeconds: must be at least 1");
            }
            if (spec.runPolicy.ttlSecondsAfterFinished != null && spec.runPolicy.ttlSecondsAfterFinished < 0) {
                errors.add("spec.runPolicy.ttlSecondsAfterFinished: must not be negative");
            }
        }
        return errors;
    }

    private static void validateTopology(List<String> errors, DecentralizedGANJobSpec spec) {
        TopologySpec t = spec.topology;
        if (t == null) return;
        if (!TopologySpec.TYPES.contains(t.type)) {
            errors.add("spec.topology.type: unknown topology '" + t.type + "' (expected one of "
                    + String.join(", ", TopologySpec.TYPES) + ")");
            return;
        }
        if (t.gossipRounds != null && t.gossipRounds < 1) {
            errors.add("spec.topology.gossipRounds: must be at least 1, got " + t.gossipRounds);
        }
        if (spec.workers == null || spec.workers < 1) return;
        try {
            TopologyPlanner.schedule(t.type, spec.workers, t.seed == null ? 0 : t.seed);
        } catch (IllegalArgumentException | IllegalStateException e) {
            errors.add("spec.topology.type: " + t.type + " on spec.workers=" + spec.workers + ": " + e.getMessage());
        }
    }

    private static void oneOf(List<String> errors, String field, String value, List<String> allowed, String what) {
        if (value == null) {
            errors.add(field + ": required");
        } else if (!Set.copyOf(allowed).contains(value)) {
            errors.add(field + ": unknown " + what + " '" + value + "' (expected one of " + String.join(", ", allowed) + ")");
        }
    }

    private static void positive(List<String> errors, String field, Double value) {
        if (value != null && !(value > 0)) {
            errors.add(field + ": must be positive, got " + value);
        }
    }

    private static void unitInterval(List<String> errors, String field, Double value) {
        if (value != null && !(value >= 0 && value < 1)) {
            errors.add(field + ": must be in [0, 1), got " + value);
        }
    }
}
