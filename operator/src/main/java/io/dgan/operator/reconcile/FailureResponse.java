package io.dgan.operator.reconcile;

import io.dgan.operator.crd.FailurePolicy;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;

/**
 * Decide: what the failure policy does about one lost rank. A pure function of the policy, the restarts so far and
 * the graph; the reconciler carries it out. A worker that diverged (exit code 3) fails the job before any policy is
 * looked at.
 *
 * @param kind     what to do
 * @param reason   the job's Failed reason (for {@link Kind#FAIL})
 * @param message  why, as conditions and Events read it
 * @param excluded the ranks cut out of the graph afterwards (for {@link Kind#REWIRE})
 * @param counted  whether the action counts as a replacement of this policy in the metrics (a RewireAndReplace that
 *                 falls back to a job restart does not)
 */
public record FailureResponse(Kind kind, String reason, String message, Set<Integer> excluded, boolean counted) {
    public enum Kind {
        /** The job fails: a diverged worker, a non-retryable exit code, or the restart budget is spent. */
        FAIL,
        /** Every pod is deleted and recreated. */
        RESTART_JOB,
        /** The rank is cut out of the graph (new epoch), then replaced. */
        REWIRE,
        /** The rank is replaced in place (new epoch whose memberSince names it). */
        REPLACE
    }

    /**
     * @param followsLive     whether the job's workers follow topology epochs live (static graph, gossip)
     * @param notLiveWhy      why not, for the message ("RandomRing / dp-oadam")
     * @param connected       whether the graph without the given ranks is connected
     * @param memberLeft      whether another rank still runs as a member of the graph (ready, not being deleted, not
     *                        itself cut out or awaiting its replacement): the one that would welcome the lost rank back
     */
    public static FailureResponse decide(FailurePolicy policy, int restarts, int workers, Set<Integer> excludedBefore,
                                         int rank, String what, Integer exitCode, boolean followsLive,
                                         String notLiveWhy, Predicate<Set<Integer>> connected, boolean memberLeft) {
        if (exitCode != null && exitCode == WorkerLoss.DIVERGED_EXIT_CODE) {
            // Not a lost node but the run itself: workers resume from the newest checkpoint with the same learning
            // rates, so a replacement or restart diverges again (a resumed run repeats the original), and each try
            // would spend the restart budget until RestartBudgetExhausted hid the cause. No policy or budget changes
            // that; the user changes the rates.
            return new FailureResponse(Kind.FAIL, JobConditions.DIVERGED, "rank " + rank + " " + what
                    + ": its training diverged (losses or parameters became NaN or infinite), and a restart would "
                    + "diverge again from the newest checkpoint, so the job is not restarted whatever "
                    + "spec.failurePolicy says; to go on, lower spec.optimizer.lrGenerator and "
                    + "spec.optimizer.lrDiscriminator on this job: it runs again from the newest checkpoint every rank "
                    + "has", Set.of(), false);
        }
        if (exitCode != null && policy.nonRetryableExitCodes.contains(exitCode)) {
            return new FailureResponse(Kind.FAIL, JobConditions.NON_RETRYABLE_EXIT_CODE, "rank " + rank + " " + what
                    + "; exit code " + exitCode + " is listed in spec.failurePolicy.nonRetryableExitCodes", Set.of(),
                    false);
        }
        if (restarts >= policy.maxRestarts) {
            return new FailureResponse(Kind.FAIL, JobConditions.RESTART_BUDGET_EXHAUSTED, "rank " + rank + " " + what
                    + " after " + restarts + " restarts (spec.failurePolicy.maxRestarts=" + policy.maxRestarts + ")",
                    Set.of(), false);
        }
        String action = policy.onWorkerFailure;
        if (!FailurePolicy.RESTART_JOB.equals(action) && !followsLive) {
            // The survivors would wait for the dead rank until their receive deadline: a schedule's W_k is drawn by
            // the workers themselves (nothing published to rewire) and CP-OAdam's all-reduce needs every rank.
            // Restart everyone from the newest shared checkpoint instead.
            return new FailureResponse(Kind.RESTART_JOB, null, "rank " + rank + " " + what
                    + "; spec.failurePolicy.onWorkerFailure=" + action + " needs workers that follow topology epochs "
                    + "live, which " + notLiveWhy + " workers do not; restarting all workers", Set.of(), true);
        }
        if (!FailurePolicy.RESTART_JOB.equals(action) && !memberLeft) {
            // A replacement rejoins warm-started from a running member's state; with none left (every pod deleted at
            // once, a drain of the only node, a second loss before the first replacement was welcomed) each
            // replacement would wait for a welcome that never comes. Restart everyone from the newest shared
            // checkpoint instead.
            return new FailureResponse(Kind.RESTART_JOB, null, "rank " + rank + " " + what + " and no other rank is "
                    + "running to warm-start its replacement; restarting all workers from their newest shared "
                    + "checkpoint", Set.of(), false);
        }
        if (FailurePolicy.REWIRE_AND_REPLACE.equals(action)) {
            TreeSet<Integer> excluded = new TreeSet<>(excludedBefore);
            excluded.add(rank);
            boolean joined = connected.test(excluded);
            int healthy = workers - excluded.size();
            int minHealthy = policy.minHealthyWorkers == null ? 1 : policy.minHealthyWorkers;
            if (!joined || healthy < minHealthy) {
                return new FailureResponse(Kind.RESTART_JOB, null, "rank " + rank + " " + what + " and the " + healthy
                        + " survivors " + (joined ? "are fewer than spec.failurePolicy.minHealthyWorkers=" + minHealthy
                        : "form a disconnected graph") + "; restarting the job", Set.of(), false);
            }
            return new FailureResponse(Kind.REWIRE, null, "rank " + rank + " " + what, excluded, true);
        }
        if (FailurePolicy.RESTART_JOB.equals(action)) {
            return new FailureResponse(Kind.RESTART_JOB, null, "rank " + rank + " " + what + "; restarting all workers",
                    Set.of(), true);
        }
        return new FailureResponse(Kind.REPLACE, null, "rank " + rank + " " + what, Set.of(), true);
    }
}
