package io.dgan.operator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import io.dgan.operator.crd.WorkerState;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** The reconcile's observe and decide parts alone: pure functions of pods and recorded worker state. */
class DecisionsTest {
    static Pod pod(int rank, String uid, String phase) {
        return new PodBuilder().withNewMetadata().withName("gan-worker-" + rank).withUid(uid)
                .addToLabels("dgan.io/rank", Integer.toString(rank)).endMetadata()
                .withNewStatus().withPhase(phase).endStatus().build();
    }

    static WorkerState seen(String uid) {
        WorkerState w = new WorkerState();
        w.podUid = uid;
        w.phase = "Ready";
        return w;
    }

    @Test
    void aWorkerIsLostWhenItFailsOrIsDeletedByAnyoneButTheOperator() {
        Set<String> ours = Set.of("ours");
        assertThat(WorkerLoss.detect(pod(0, "a", "Running"), seen("a"), ours::contains)).isEmpty();
        Pod crashed = pod(0, "a", "Failed");
        crashed.getStatus().setContainerStatuses(List.of(new io.fabric8.kubernetes.api.model.ContainerStatusBuilder()
                .withNewState().withNewTerminated().withExitCode(137).endTerminated().endState().build()));
        assertThat(WorkerLoss.detect(crashed, seen("a"), ours::contains)).hasValueSatisfying(l -> {
            assertThat(l.cause()).isEqualTo("Failed");
            assertThat(l.what()).isEqualTo("failed (exit 137)");
        });
        Pod evicted = pod(0, "a", "Failed");
        evicted.getStatus().setReason("Evicted");
        evicted.getStatus().setMessage("The node was low on resource: memory.");
        assertThat(WorkerLoss.detect(evicted, seen("a"), ours::contains)).hasValueSatisfying(l ->
                assertThat(l.what()).isEqualTo("was evicted (The node was low on resource: memory.)"));
        Pod terminating = pod(0, "a", "Running");
        terminating.getMetadata().setDeletionTimestamp("2026-01-01T00:00:00Z");
        assertThat(WorkerLoss.detect(terminating, seen("a"), ours::contains)).hasValueSatisfying(l ->
                assertThat(l.cause()).isEqualTo("Deleted"));
        // Gone between two passes: the rank's pod as last seen decides.
        assertThat(WorkerLoss.detect(null, seen("a"), ours::contains)).hasValueSatisfying(l -> {
            assertThat(l.cause()).isEqualTo("Deleted");
            assertThat(l.uid()).isEqualTo("a");
        });
        // Not losses: the operator's own deletion, a rank that finished, a loss already acted on, a rank never seen.
        Pod ourDelete = pod(0, "ours", "Running");
        ourDelete.getMetadata().setDeletionTimestamp("2026-01-01T00:00:00Z");
        assertThat(WorkerLoss.detect(ourDelete, seen("ours"), ours::contains)).isEmpty();
        assertThat(WorkerLoss.detect(null, seen("ours"), ours::contains)).isEmpty();
        WorkerState finished = seen("a");
        finished.phase = "Succeeded";
        assertThat(WorkerLoss.detect(null, finished, ours::contains)).isEmpty();
        WorkerState handled = seen("a");
        handled.handledFailureUid = "a";
        assertThat(WorkerLoss.detect(crashed, handled, ours::contains)).isEmpty();
        assertThat(WorkerLoss.detect(null, new WorkerState(), ours::contains)).isEmpty();
    }

    static Pod exited(int rank, String uid, int exitCode, String message, String finishedAt) {
        Pod pod = pod(rank, uid, "Failed");
        pod.getStatus().setContainerStatuses(List.of(new io.fabric8.kubernetes.api.model.ContainerStatusBuilder()
                .withName("worker").withNewState().withNewTerminated().withExitCode(exitCode).withMessage(message)
                .withFinishedAt(finishedAt).endTerminated().endState().build()));
        return pod;
    }

    static final String DIVERGED_LINE = "rank 2 diverged at iteration 1,234: the discriminator loss is NaN; the "
            + "checkpoints up to iteration 1,200 hold finite values (the same settings would diverge again: resume "
            + "from them with lower learning rates, or start anew with a gradient penalty or spectral norm)";

    /** In a pod with a sidecar, the exit code and the line are the worker container's, whichever ended first. */
    @Test
    void theExitCodeAndLineAreTheWorkerContainersNotASidecars() {
        Pod pod = pod(2, "s", "Failed");
        pod.setSpec(new io.fabric8.kubernetes.api.model.PodSpecBuilder()
                .addNewContainer().withName("log-shipper").endContainer()
                .addNewContainer().withName("worker").endContainer().build());
        pod.getStatus().setContainerStatuses(List.of(
                new io.fabric8.kubernetes.api.model.ContainerStatusBuilder().withName("log-shipper").withNewState()
                        .withNewTerminated().withExitCode(0).withMessage("shipped").endTerminated().endState().build(),
                new io.fabric8.kubernetes.api.model.ContainerStatusBuilder().withName("worker").withNewState()
                        .withNewTerminated().withExitCode(3).withMessage(DIVERGED_LINE).endTerminated().endState()
                        .build()));
        assertThat(WorkerPods.exitCode(pod)).isEqualTo(3);
        assertThat(WorkerPods.terminationMessage(pod)).isEqualTo(DIVERGED_LINE);
        // The worker still running (the pod deleted): no exit code, not the sidecar's.
        pod.getStatus().setContainerStatuses(List.of(pod.getStatus().getContainerStatuses().get(0)));
        assertThat(WorkerPods.exitCode(pod)).isNull();
    }

    @Test
    void aLossCarriesTheWorkersLastLineAndWhetherItDiverged() {
        Pod diverged = exited(2, "c", 3, "training step 1234\n" + DIVERGED_LINE + "\n\n", "2026-01-01T00:00:05Z");
        assertThat(WorkerLoss.detect(diverged, seen("c"), uid -> false)).hasValueSatisfying(l -> {
            assertThat(l.cause()).isEqualTo("Failed");
            assertThat(l.exitCode()).isEqualTo(3);
            assertThat(l.diverged()).isTrue();
            assertThat(l.message()).isEqualTo(DIVERGED_LINE);
            assertThat(l.what()).isEqualTo("failed (exit 3: " + DIVERGED_LINE + ")");
            assertThat(l.finishedAt()).isEqualTo(Instant.parse("2026-01-01T00:00:05Z"));
        });
        Pod neighbour = exited(1, "b", 1, "rank 1: receive from rank 2 failed: rank 2 diverged and will send nothing more",
                null);
        assertThat(WorkerLoss.detect(neighbour, seen("b"), uid -> false)).hasValueSatisfying(l -> {
            assertThat(l.diverged()).isFalse();
            assertThat(l.what()).isEqualTo("failed (exit 1: rank 1: receive from rank 2 failed: rank 2 diverged and "
                    + "will send nothing more)");
            assertThat(l.finishedAt()).isNull();
        });
        assertThat(WorkerLoss.detect(exited(0, "a", 137, "  \n", null), seen("a"), uid -> false))
                .hasValueSatisfying(l -> assertThat(l.what()).isEqualTo("failed (exit 137)"));
    }

    @Test
    void theWorkersLineIsTheLastNonEmptyOneTrimmedAndCut() {
        assertThat(WorkerLoss.workerLine(null)).isNull();
        assertThat(WorkerLoss.workerLine(" \r\n\t\n")).isNull();
        // A log tail (FallbackToLogsOnError) ends with the last thing the worker printed.
        assertThat(WorkerLoss.workerLine("step 10\r\n\tat io.dgan.Worker.run(Worker.java:10)\r\n"))
                .isEqualTo("at io.dgan.Worker.run(Worker.java:10)");
        assertThat(WorkerLoss.workerLine("  one\ttab \u001b[31mred  ")).isEqualTo("one tab  [31mred");
        String longLine = "rank 3 diverged: " + "\u00e9".repeat(400);
        String cut = WorkerLoss.workerLine(longLine);
        assertThat(cut).hasSize(WorkerLoss.MAX_LINE).startsWith("rank 3 diverged: \u00e9").endsWith("\u00e9\u2026");
        // A character outside the BMP is never cut in half.
        String emoji = "\uD83D\uDE00".repeat(400);
        String cutEmoji = WorkerLoss.workerLine(emoji);
        assertThat(cutEmoji.codePointCount(0, cutEmoji.length())).isEqualTo(WorkerLoss.MAX_LINE);
        assertThat(cutEmoji).endsWith("\uD83D\uDE00\u2026");
    }

    @Test
    void aWorkerThatExitedOneWaitsForADivergedNeighbourButNoLonger() {
        Instant stopped = Instant.parse("2026-01-01T00:00:00Z");
        WorkerLoss neighbour = new WorkerLoss("Failed", "b", "failed (exit 1)", 1, null, stopped);
        assertThat(neighbour.settling(stopped.plusSeconds(2))).hasValue(Duration.ofSeconds(8));
        assertThat(neighbour.settling(stopped.plus(WorkerLoss.SETTLE))).isEmpty();
        assertThat(neighbour.settling(stopped.plusSeconds(60))).isEmpty();
        // The node's clock a little ahead of the operator's: waited for; far ahead: not (no loss waits forever).
        assertThat(neighbour.settling(stopped.minusSeconds(5))).hasValue(Duration.ofSeconds(15));
        assertThat(neighbour.settling(stopped.minusSeconds(11))).isEmpty();
        // Acted on at once: other exit codes, a divergence itself, no stop time, a pod deleted or evicted.
        assertThat(new WorkerLoss("Failed", "b", "failed (exit 137)", 137, null, stopped).settling(stopped)).isEmpty();
        assertThat(new WorkerLoss("Failed", "b", "failed (exit 3)", 3, null, stopped).settling(stopped)).isEmpty();
        assertThat(new WorkerLoss("Failed", "b", "failed (exit 1)", 1, null, null).settling(stopped)).isEmpty();
        assertThat(new WorkerLoss("Deleted", "b", "was deleted", 1, null, stopped).settling(stopped)).isEmpty();
    }

    @Test
    void aDivergedRankIsActedOnBeforeTheOtherLossesOfThePass() {
        WorkerLoss exit1 = new WorkerLoss("Failed", "a", "failed (exit 1)", 1, null, null);
        WorkerLoss exit3 = new WorkerLoss("Failed", "c", "failed (exit 3)", 3, null, null);
        WorkerLoss deleted = new WorkerLoss("Deleted", "d", "was deleted (not by the operator)", null, null, null);
        assertThat(WorkerLoss.actionOrder(Map.of(1, exit1, 2, exit3, 3, exit1, 0, deleted))).containsExactly(2, 0, 1, 3);
        assertThat(WorkerLoss.actionOrder(Map.of(5, exit3, 1, exit1, 4, exit3))).containsExactly(4, 5, 1);
        assertThat(WorkerLoss.actionOrder(Map.of(3, exit1, 1, deleted))).containsExactly(1, 3);
    }

    @Test
    void aDivergedWorkerFailsTheJobWhateverThePolicyAndTheBudget() {
        java.util.function.Predicate<Set<Integer>> connected = out -> true;
        String what = "failed (exit 3: " + DIVERGED_LINE + ")";
        for (String action : List.of("Replace", "RewireAndReplace", "RestartJob")) {
            for (int restarts : new int[] {0, 5}) {
                for (boolean live : new boolean[] {true, false}) {
                    io.dgan.operator.crd.FailurePolicy policy = new io.dgan.operator.crd.FailurePolicy();
                    policy.onWorkerFailure = action;
                    policy.maxRestarts = 5;
                    policy.nonRetryableExitCodes = List.of(3); // listing 3 there too changes nothing
                    FailureResponse r = FailureResponse.decide(policy, restarts, 4, Set.of(), 2, what, 3, live,
                            "Ring / dp-oadam", connected, live);
                    assertThat(r.kind()).as(action + " after " + restarts).isEqualTo(FailureResponse.Kind.FAIL);
                    assertThat(r.reason()).isEqualTo("Diverged");
                    assertThat(r.counted()).isFalse();
                    assertThat(r.message()).isEqualTo("rank 2 " + what + ": its training diverged (losses or "
                            + "parameters became NaN or infinite), and a restart would diverge again from the newest "
                            + "checkpoint, so the job is not restarted whatever spec.failurePolicy says; to go on, "
                            + "lower spec.optimizer.lrGenerator and spec.optimizer.lrDiscriminator on this job: it runs "
                            + "again from the newest checkpoint every rank has");
                }
            }
        }
        assertThat(JobConditions.FAILED_REASONS).as("documented in docs/reference/crd.md").containsKeys("Diverged",
                "NonRetryableExitCode", "RestartBudgetExhausted", "DeadlineExceeded", "WorkerStartTimeout");
        // The neighbour's exit 1 is an ordinary failure for the policy.
        io.dgan.operator.crd.FailurePolicy policy = new io.dgan.operator.crd.FailurePolicy();
        assertThat(FailureResponse.decide(policy, 0, 4, Set.of(), 1, "failed (exit 1)", 1, true, "Ring / dp-oadam",
                connected, true).kind()).isEqualTo(FailureResponse.Kind.REPLACE);
    }

    @Test
    void theStartTimeoutCountsFromTheOperatorsRecordAndNamesTheReason() {
        Instant created = Instant.parse("2026-01-01T00:00:00Z");
        Pod pending = pod(1, "b", "Pending");
        pending.getStatus().setContainerStatuses(List.of(new io.fabric8.kubernetes.api.model.ContainerStatusBuilder()
                .withNewState().withNewWaiting().withReason("ImagePullBackOff").withMessage("Back-off pulling image")
                .endWaiting().endState().build()));
        Map<Integer, Pod> pods = new TreeMap<>(Map.of(0, pod(0, "a", "Running"), 1, pending));
        assertThat(WorkerLoss.startTimedOut(pods, 2, r -> created.toString(), created.plusSeconds(599),
                Duration.ofSeconds(600))).isEmpty();
        assertThat(WorkerLoss.startTimedOut(pods, 2, r -> created.toString(), created.plusSeconds(600),
                Duration.ofSeconds(600))).hasValue("rank 1 pod gan-worker-1 Pending for 600 s "
                + "(spec.runPolicy.startTimeoutSeconds=600): ImagePullBackOff: Back-off pulling image");
        assertThat(WorkerPods.waitingReason(pod(2, "c", "Pending"))).isEqualTo("Pending (no reason reported yet)");
    }

    @Test
    void theFailurePolicyDecidesFromThePolicyTheBudgetAndTheGraph() {
        io.dgan.operator.crd.FailurePolicy policy = new io.dgan.operator.crd.FailurePolicy();
        policy.nonRetryableExitCodes = List.of(2);
        policy.onWorkerFailure = "RewireAndReplace";
        policy.minHealthyWorkers = 3;
        java.util.function.Predicate<Set<Integer>> ring4 = out -> out.size() < 2; // a ring minus one rank is a path
        assertThat(FailureResponse.decide(policy, 0, 4, Set.of(), 1, "failed (exit 2: --model stylegan9 is unknown)",
                2, true, "Ring / dp-oadam", ring4, true)).satisfies(r -> {
                    assertThat(r.kind()).isEqualTo(FailureResponse.Kind.FAIL);
                    assertThat(r.reason()).isEqualTo("NonRetryableExitCode");
                    assertThat(r.message()).isEqualTo("rank 1 failed (exit 2: --model stylegan9 is unknown); exit code "
                            + "2 is listed in spec.failurePolicy.nonRetryableExitCodes");
                });
        assertThat(FailureResponse.decide(policy, 3, 4, Set.of(), 1, "failed (exit 1)", 1, true, "Ring / dp-oadam", ring4, true)
                .reason()).isEqualTo("RestartBudgetExhausted");
        FailureResponse rewire = FailureResponse.decide(policy, 0, 4, Set.of(), 1, "failed (exit 1)", 1, true,
                "Ring / dp-oadam", ring4, true);
        assertThat(rewire.kind()).isEqualTo(FailureResponse.Kind.REWIRE);
        assertThat(rewire.excluded()).containsExactly(1);
        FailureResponse disconnected = FailureResponse.decide(policy, 1, 4, Set.of(1), 3, "was deleted", null, true,
                "Ring / dp-oadam", ring4, true);
        assertThat(disconnected.kind()).isEqualTo(FailureResponse.Kind.RESTART_JOB);
        assertThat(disconnected.message()).contains("form a disconnected graph");
        assertThat(disconnected.counted()).isFalse();
        FailureResponse notLive = FailureResponse.decide(policy, 0, 4, Set.of(), 1, "failed (exit 1)", 1, false,
                "RandomRing / dp-oadam", ring4, true);
        assertThat(notLive.kind()).isEqualTo(FailureResponse.Kind.RESTART_JOB);
        assertThat(notLive.message()).contains("RandomRing / dp-oadam workers do not");
        policy.onWorkerFailure = "Replace";
        assertThat(FailureResponse.decide(policy, 0, 4, Set.of(), 1, "was evicted", null, true, "Ring / dp-oadam", ring4, true)
                .kind()).isEqualTo(FailureResponse.Kind.REPLACE);
        // No member left to warm-start a replacement (every pod deleted at once, or a second loss before the first
        // replacement is ready): a replaced rank would wait for a welcome forever, so every rank restarts instead.
        for (String action : List.of("Replace", "RewireAndReplace")) {
            policy.onWorkerFailure = action;
            FailureResponse alone = FailureResponse.decide(policy, 0, 4, Set.of(), 1, "was deleted (not by the operator)",
                    null, true, "Ring / dp-oadam", ring4, false);
            assertThat(alone.kind()).as(action).isEqualTo(FailureResponse.Kind.RESTART_JOB);
            assertThat(alone.message()).isEqualTo("rank 1 was deleted (not by the operator) and no other rank is running "
                    + "to warm-start its replacement; restarting all workers from their newest shared checkpoint");
            assertThat(alone.counted()).isFalse();
        }
        policy.onWorkerFailure = "RestartJob";
        assertThat(FailureResponse.decide(policy, 0, 4, Set.of(), 1, "failed (exit 1)", 1, true, "Ring / dp-oadam",
                ring4, false).counted()).as("a RestartJob policy restarts as it always does").isTrue();
    }

    @Test
    void thePhaseFollowsTheWorkers() {
        assertThat(PhaseRules.phase(4, 4, 0, false, false, false)).isEqualTo("Running");
        assertThat(PhaseRules.phase(4, 2, 2, false, false, true)).as("finished ranks are done, not missing")
                .isEqualTo("Running");
        assertThat(PhaseRules.phase(4, 4, 0, true, false, true)).as("a rank cut out").isEqualTo("Degraded");
        assertThat(PhaseRules.phase(4, 3, 0, false, true, true)).isEqualTo("Restarting");
        assertThat(PhaseRules.phase(4, 3, 0, false, false, true)).isEqualTo("Degraded");
        assertThat(PhaseRules.phase(4, 0, 0, false, false, false)).isEqualTo("Pending");
        assertThat(PhaseRules.phase(4, 0, 4, false, false, true)).as("all finished: not Running")
                .isEqualTo("Degraded");
    }

    @Test
    void podsAreObservedByRankAndStatusWritesWinByResourceVersion() {
        Pod notAWorker = new PodBuilder().withNewMetadata().withName("other").endMetadata().build();
        assertThat(WorkerPods.byRank(List.of(pod(3, "c", "Running"), notAWorker, pod(1, "a", "Pending"))))
                .containsOnlyKeys(1, 3);
        assertThat(StatusWriter.newer("12", "9")).isTrue();
        assertThat(StatusWriter.newer("9", "12")).isFalse();
        assertThat(StatusWriter.newer("abc", "1")).as("opaque versions never win").isFalse();
    }
}
