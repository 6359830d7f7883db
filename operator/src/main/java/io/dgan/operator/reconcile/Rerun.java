package io.dgan.operator.reconcile;

import io.dgan.operator.crd.AppliedSpec;
import io.dgan.operator.crd.DecentralizedGANJobSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Decide: whether a finished job runs again because its spec changed, as a Flink deployment is upgraded out of a
 * failed state. A job that failed reruns when something its workers see changed (the fields of a
 * {@link SpecChange} other than {@code IGNORE}: learning rates, image, model, worker count, graph, and
 * {@code spec.restartNonce}, which exists only to ask for it): the change is what the failure asked for (lower
 * learning rates after {@code Diverged}), and a new job would lose the checkpoint claims that belong to this one. A
 * job that succeeded reruns only when {@code spec.training.iterations} now asks for more iterations than it finished:
 * training goes on from its final checkpoint. Anything else (a TTL, a deadline, a failure policy) is recorded and
 * nothing runs: those changes alone would only repeat the same end.
 *
 * @param from    the phase the job leaves (Failed or Succeeded)
 * @param message what changed and where the workers resume, for the Event and the Restarting condition
 */
public record Rerun(String from, String message) {

    /**
     * @param phase        the job's phase
     * @param applied      the spec its last workers ran with
     * @param spec         the spec now
     * @param finishedStep the iteration a succeeded job finished at ({@code status.progress.maxStep}); null if unknown
     */
    public static Optional<Rerun> decide(String phase, AppliedSpec applied, DecentralizedGANJobSpec spec,
                                         Long finishedStep) {
        if (applied == null) return Optional.empty();
        String resumes = "; the workers resume from the newest checkpoint every rank has in "
                + "spec.training.checkpointDir" + (spec.training.checkpointVolume != null
                ? " (the job's checkpoint claims)" : " (from iteration 0 if it was on the pods' emptyDir volumes: "
                + "spec.training.checkpointVolume keeps them)");
        if (DecentralizedGANJobReconciler.PHASE_FAILED.equals(phase)) {
            SpecChange change = SpecChange.classify(applied, spec);
            if (change == SpecChange.IGNORE) return Optional.empty();
            return Optional.of(new Rerun(phase, "the spec changed after the job failed (" + String.join(", ",
                    changed(applied, spec)) + "): running it again, with a new restart budget" + resumes));
        }
        if (DecentralizedGANJobReconciler.PHASE_SUCCEEDED.equals(phase) && finishedStep != null
                && spec.training.iterations != null && spec.training.iterations > finishedStep) {
            return Optional.of(new Rerun(phase, "spec.training.iterations raised to " + spec.training.iterations
                    + " after the job finished " + finishedStep + ": training goes on" + resumes));
        }
        return Optional.empty();
    }

    /** The spec's parts that differ from what was applied, named for a reader. */
    static List<String> changed(AppliedSpec applied, DecentralizedGANJobSpec spec) {
        List<String> parts = new ArrayList<>();
        if (SpecChange.restartChanged(applied, spec)) {
            parts.add("template, model, dataset, optimizer, training or restartNonce");
        }
        if (!Objects.equals(applied.workers, spec.workers)) {
            parts.add("workers " + applied.workers + " -> " + spec.workers);
        }
        if (SpecChange.topologyChanged(applied, spec)) parts.add("topology");
        return parts;
    }
}
