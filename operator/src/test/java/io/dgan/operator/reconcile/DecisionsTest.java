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
        assertThat(FailureResponse.decide(policy, 0, 4, Set.of(), 1, "failed (exit 2)", 2, true, "Ring / dp-oadam", ring4, true))
                .satisfies(r -> {
                    assertThat(r.kind()).isEqualTo(FailureResponse.Kind.FAIL);
                    assertThat(r.reason()).isEqualTo("NonRetryableExitCode");
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
