package io.dgan.operator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dgan.operator.Eventually;
import io.dgan.operator.MockCluster;
import io.dgan.operator.TestJobs;
import io.dgan.operator.crd.DecentralizedGANJob;
import io.dgan.operator.crd.FailurePolicy;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.time.Duration;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Spec changes, run policies and failure policies against the operator on the Fabric8 mock (CRUD mode). One
 * operator for the class; every test uses its own job. Pods are moved through their phases by writing pod
 * status, as a kubelet would.
 */
@EnableKubernetesMockClient(crud = true)
class PoliciesMockTest {
    static final String NS = "training";
    static final Duration WAIT = Duration.ofSeconds(60); // generous: waits end as soon as the condition holds; 20 s timed out at load 30+
    static final ObjectMapper JSON = new ObjectMapper();
    static KubernetesClient client;
    static MockCluster cluster;

    @BeforeAll
    static void start() {
        cluster = new MockCluster(client);
    }

    @AfterAll
    static void stop() {
        cluster.close();
    }

    // ---- spec changes ----------------------------------------------------------------------------------------

    @Test
    void scalingFourToSixAddsTwoRanksAndKeepsTheOthersRunning() {
        Map<String, String> before = running("scale", 4, "Ring", j -> { });
        edit("scale", j -> j.getSpec().workers = 6);
        Eventually.await("6 pods", WAIT, () -> cluster.workers(NS, "scale").size() == 6);
        assertThat(uids("scale")).containsAllEntriesOf(before);
        JsonNode topology = topology("scale");
        assertThat(topology.get("workers").asInt()).isEqualTo(6);
        assertThat(topology.get("epoch").asLong()).isEqualTo(2);
        cluster.markAllReady(NS, "scale");
        Eventually.await("Running with 6/6", WAIT, () -> "6/6".equals(cluster.get(NS, "scale").getStatus().ready)
                && "Running".equals(cluster.phase(NS, "scale")));
        assertThat(events("scale")).anyMatch(m -> m.startsWith("SCALE: scale 4 -> 6"));
    }

    @Test
    void scalingDownRemovesTheHighestRanksOnly() {
        Map<String, String> before = running("shrink", 6, "Ring", j -> { });
        edit("shrink", j -> j.getSpec().workers = 4);
        Eventually.await("4 pods", WAIT, () -> uids("shrink").size() == 4);
        before.remove("shrink-worker-4");
        before.remove("shrink-worker-5");
        assertThat(uids("shrink")).isEqualTo(before);
        Eventually.await("Running with 4/4", WAIT, () -> "4/4".equals(cluster.get(NS, "shrink").getStatus().ready));
        assertThat(topology("shrink").get("workers").asInt()).isEqualTo(4);
    }

    @Test
    void rewiringRingToHypercubeBumpsTheEpochWithoutTouchingPods() {
        Map<String, String> before = running("rewire", 4, "Ring", j -> { });
        edit("rewire", j -> j.getSpec().topology.type = "Hypercube");
        Eventually.await("epoch 2 published", WAIT, () -> topology("rewire").get("epoch").asLong() == 2);
        JsonNode topology = topology("rewire");
        assertThat(topology.get("type").asText()).isEqualTo("hypercube");
        double[][] hypercube = io.dgan.operator.TopologyJson.weights(topology);
        assertThat(hypercube[0][3]).isZero(); // 0 and 3 differ in two bits
        assertThat(hypercube[0][1]).isEqualTo(1.0 / 3);
        Eventually.await("status shows the hypercube", WAIT,
                () -> "Hypercube".equals(cluster.get(NS, "rewire").getStatus().topology.type));
        assertThat(uids("rewire")).isEqualTo(before);
        assertThat(cluster.phase(NS, "rewire")).isEqualTo("Running");
    }

    @Test
    void changingTheImageRestartsEveryWorker() {
        Map<String, String> before = running("image", 3, "Ring", j -> { });
        edit("image", j -> j.getSpec().template.getSpec().getContainers().get(0).setImage("ghcr.io/dgan/worker:0.2.0"));
        Eventually.await("all pods replaced with the new image", WAIT, () -> cluster.workers(NS, "image").size() == 3
                && cluster.workers(NS, "image").stream().allMatch(p -> "ghcr.io/dgan/worker:0.2.0".equals(
                        p.getSpec().getContainers().get(0).getImage())));
        assertThat(uids("image").values()).doesNotContainAnyElementsOf(before.values());
        cluster.markAllReady(NS, "image");
        Eventually.await("Running again", WAIT, () -> "Running".equals(cluster.phase(NS, "image")));
        assertThat(events("image")).anyMatch(m -> m.startsWith("RESTART"));
        assertThat(topology("image").get("epoch").asLong()).isEqualTo(1); // the graph did not change
    }

    // ---- run policies ----------------------------------------------------------------------------------------

    @Test
    void suspendRemovesThePodsAndResumeBringsThemBack() {
        running("pause", 2, "Ring", j -> { });
        edit("pause", j -> j.getSpec().runPolicy.suspend = true);
        Eventually.await("Suspended with no pods", WAIT, () -> "Suspended".equals(cluster.phase(NS, "pause"))
                && cluster.workers(NS, "pause").isEmpty());
        assertThat(JobConditions.isTrue(cluster.get(NS, "pause").getStatus(), JobConditions.SUSPENDED)).isTrue();
        assertThat(client.configMaps().inNamespace(NS).withName("pause-topology").get()).isNotNull();

        edit("pause", j -> j.getSpec().runPolicy.suspend = false);
        Eventually.await("pods back", WAIT, () -> cluster.workers(NS, "pause").size() == 2);
        cluster.markAllReady(NS, "pause");
        Eventually.await("Running", WAIT, () -> "Running".equals(cluster.phase(NS, "pause")));
        assertThat(JobConditions.isTrue(cluster.get(NS, "pause").getStatus(), JobConditions.SUSPENDED)).isFalse();
        // The checkpoint directory is what carries progress across the suspension: every pod gets it.
        assertThat(cluster.workers(NS, "pause")).allSatisfy(p -> assertThat(p.getSpec().getContainers().get(0).getEnv())
                .anyMatch(e -> e.getName().equals("DGAN_CHECKPOINT_DIR") && e.getValue().equals("/checkpoints")));
    }

    @Test
    void deadlineFailsTheJobAndRemovesRunningWorkers() {
        running("deadline", 2, "Ring", j -> j.getSpec().runPolicy.activeDeadlineSeconds = 3600L);
        cluster.clock.advance(Duration.ofSeconds(3601));
        Eventually.await("Failed", WAIT, () -> "Failed".equals(cluster.phase(NS, "deadline")));
        assertThat(JobConditions.find(cluster.get(NS, "deadline").getStatus(), JobConditions.FAILED).get().getReason())
                .isEqualTo("DeadlineExceeded");
        Eventually.await("running pods removed", WAIT, () -> cluster.workers(NS, "deadline").isEmpty());
    }

    @Test
    void ttlDeletesTheJobAfterItSucceeded() {
        running("ttl", 2, "Ring", j -> j.getSpec().runPolicy.ttlSecondsAfterFinished = 600L);
        for (Pod pod : cluster.workers(NS, "ttl")) cluster.terminate(pod, "Succeeded", 0);
        Eventually.await("Succeeded", WAIT, () -> "Succeeded".equals(cluster.phase(NS, "ttl")));
        assertThat(cluster.get(NS, "ttl").getStatus().completionTime).isNotNull();
        Thread.yield();
        assertThat(cluster.get(NS, "ttl")).as("kept until the TTL passes").isNotNull();
        cluster.clock.advance(Duration.ofSeconds(601));
        Eventually.await("job deleted", WAIT, () -> cluster.get(NS, "ttl") == null);
    }

    // ---- failure policies ------------------------------------------------------------------------------------

    @Test
    void replaceRecreatesOnlyTheFailedRank() {
        Map<String, String> before = running("replace", 4, "Ring", j -> j.getSpec().failurePolicy.onWorkerFailure = "Replace");
        cluster.terminate(cluster.pod(NS, "replace-worker-2"), "Failed", 137);
        Eventually.await("rank 2 replaced", WAIT, () -> {
            Map<String, String> now = uids("replace");
            return now.size() == 4 && !before.get("replace-worker-2").equals(now.get("replace-worker-2"));
        });
        Map<String, String> after = uids("replace");
        for (String other : new String[] {"replace-worker-0", "replace-worker-1", "replace-worker-3"}) {
            assertThat(after.get(other)).isEqualTo(before.get(other));
        }
        Eventually.await("restart counted", WAIT, () -> cluster.get(NS, "replace").getStatus().restarts == 1);
        DecentralizedGANJob job = cluster.get(NS, "replace");
        assertThat(job.getStatus().workers.get(2).restarts).isEqualTo(1);
        assertThat(job.getStatus().workers.get(2).lastExitCode).isEqualTo(137);
        // Same graph, but a new epoch whose memberSince names rank 2: the survivors fold it out until the new
        // process has warm-started from its neighbours (docs/worker-contract.md); nobody is excluded.
        Eventually.await("epoch 2 naming rank 2 as new", WAIT, () -> topology("replace").get("epoch").asLong() >= 2
                && topology("replace").path("memberSince").path(2).asLong() >= 2);
        JsonNode topology = topology("replace");
        assertThat(topology.get("excludedRanks")).isEmpty();
        assertThat(topology.get("memberSince").get(2).asLong()).isLessThanOrEqualTo(topology.get("epoch").asLong());
        for (int r : new int[] {0, 1, 3}) {
            assertThat(topology.get("memberSince").get(r).asLong()).as("rank %d", r).isZero();
        }
        cluster.markAllReady(NS, "replace");
        Eventually.await("Running", WAIT, () -> "Running".equals(cluster.phase(NS, "replace")));
    }

    @Test
    void aPodDeletedByAUserIsAFailureUnderThePolicyCountedWithANewEpoch() {
        Map<String, String> before = running("deleted", 4, "Ring", j -> j.getSpec().failurePolicy.onWorkerFailure = "Replace");
        client.pods().inNamespace(NS).withName("deleted-worker-1").delete();
        Eventually.await("rank 1 recreated", WAIT, () -> {
            Map<String, String> now = uids("deleted");
            return now.size() == 4 && now.get("deleted-worker-1") != null
                    && !before.get("deleted-worker-1").equals(now.get("deleted-worker-1"));
        });
        Eventually.await("counted", WAIT, () -> cluster.get(NS, "deleted").getStatus().restarts == 1);
        // A fresh process joins peers that are far ahead: a new epoch whose memberSince names it, as for a crash.
        Eventually.await("epoch 2 naming rank 1 as new", WAIT, () -> topology("deleted").get("epoch").asLong() >= 2
                && topology("deleted").path("memberSince").path(1).asLong() >= 2);
        assertThat(cluster.get(NS, "deleted").getStatus().workers.get(1).restarts).isEqualTo(1);
        assertThat(events("deleted")).anyMatch(m -> m.startsWith("rank 1 was deleted (not by the operator)"));
        assertThat(scrape()).contains("dgan_operator_worker_failures_total{cause=\"Deleted\"}");
        Map<String, String> after = uids("deleted");
        for (String other : new String[] {"deleted-worker-0", "deleted-worker-2", "deleted-worker-3"}) {
            assertThat(after.get(other)).isEqualTo(before.get(other));
        }
        // The operator's own deletions (a restart-class change) are not failures.
        cluster.markAllReady(NS, "deleted");
        Eventually.await("Running", WAIT, () -> "Running".equals(cluster.phase(NS, "deleted")));
        edit("deleted", j -> j.getSpec().template.getSpec().getContainers().get(0).setImage("ghcr.io/dgan/worker:other"));
        Eventually.await("restarted with the new image", WAIT, () -> cluster.workers(NS, "deleted").stream()
                .filter(p -> p.getMetadata().getDeletionTimestamp() == null).filter(p -> p.getSpec().getContainers()
                        .get(0).getImage().endsWith(":other")).count() == 4);
        assertThat(cluster.get(NS, "deleted").getStatus().restarts).isEqualTo(1);
    }

    @Test
    void everyPodDeletedAtOnceRestartsTheJobInsteadOfReplacementsWaitingOnEachOther() {
        Map<String, String> before = running("alldeleted", 2, "Ring", j -> j.getSpec().failurePolicy.onWorkerFailure = "Replace");
        // A user deleting every worker (or a drain of the only node): no rank is left to warm-start a replacement.
        client.pods().inNamespace(NS).withLabel("dgan.io/job", "alldeleted").delete();
        Eventually.await("both ranks recreated", WAIT, () -> {
            Map<String, String> now = uids("alldeleted");
            return now.size() == 2 && before.keySet().stream().noneMatch(k -> before.get(k).equals(now.get(k)));
        });
        assertThat(events("alldeleted")).anyMatch(m -> m.contains("no other rank is running to warm-start its replacement"));
        // A restart, not a replacement: no rank is named as a new process that waits for a welcome.
        JsonNode topology = topology("alldeleted");
        JsonNode since = topology.path("memberSince");
        for (int r = 0; r < 2; r++) {
            assertThat(since.path(r).asLong()).as("memberSince of rank %d", r).isZero();
        }
        cluster.markAllReady(NS, "alldeleted");
        Eventually.await("Running", WAIT, () -> "Running".equals(cluster.phase(NS, "alldeleted")));
        assertThat(cluster.get(NS, "alldeleted").getStatus().restarts).isGreaterThanOrEqualTo(1);
    }

    @Test
    void aWorkerPendingPastTheStartTimeoutFailsTheJobWithThePodsReason() {
        DecentralizedGANJob job = TestJobs.job("stuck", 2, "Ring");
        job.getSpec().runPolicy.startTimeoutSeconds = 120L;
        cluster.create(job);
        Eventually.await("pods", WAIT, () -> cluster.workers(NS, "stuck").size() == 2);
        cluster.markReady(cluster.pod(NS, "stuck-worker-0"));
        client.pods().inNamespace(NS).withName("stuck-worker-1").editStatus(p -> {
            p.setStatus(new io.fabric8.kubernetes.api.model.PodStatusBuilder().withPhase("Pending")
                    .addNewCondition().withType("PodScheduled").withStatus("False").withReason("Unschedulable")
                    .withMessage("0/3 nodes are available: 3 Insufficient nvidia.com/gpu.").endCondition().build());
            return p;
        });
        Eventually.await("reason in PeersReady", WAIT, () -> JobConditions.find(cluster.get(NS, "stuck").getStatus(),
                JobConditions.PEERS_READY).map(c -> c.getMessage().contains("stuck-worker-1: Unschedulable: 0/3 nodes"))
                .orElse(false));
        assertThat(cluster.get(NS, "stuck").getStatus().workers.get(1).waitingReason).startsWith("Unschedulable");
        cluster.clock.advance(Duration.ofSeconds(121));
        Eventually.await("Failed", WAIT, () -> "Failed".equals(cluster.phase(NS, "stuck")));
        var failed = JobConditions.find(cluster.get(NS, "stuck").getStatus(), JobConditions.FAILED).orElseThrow();
        assertThat(failed.getReason()).isEqualTo("WorkerStartTimeout");
        assertThat(failed.getMessage()).contains("rank 1 pod stuck-worker-1 Pending for",
                "Unschedulable: 0/3 nodes are available: 3 Insufficient nvidia.com/gpu.");
    }

    static String scrape() {
        try {
            var out = new java.io.ByteArrayOutputStream();
            io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter.create().write(out, cluster.registry.scrape());
            return out.toString(java.nio.charset.StandardCharsets.UTF_8);
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void replacingARankOfAJobWhoseWorkersCannotSwitchEpochsRestartsTheJob() {
        // cp-oadam's all-reduce spans every rank: survivors cannot go on without the dead one, so replacing one
        // rank would leave them waiting until their receive deadline. The operator restarts the job instead.
        Map<String, String> before = running("allreduce", 3, "Ring", j -> {
            j.getSpec().failurePolicy.onWorkerFailure = FailurePolicy.REWIRE_AND_REPLACE;
            j.getSpec().optimizer.algorithm = "cp-oadam";
        });
        cluster.terminate(cluster.pod(NS, "allreduce-worker-1"), "Failed", 1);
        Eventually.await("all three recreated", WAIT, () -> {
            Map<String, String> now = uids("allreduce");
            return now.size() == 3 && now.values().stream().noneMatch(before::containsValue);
        });
        assertThat(topology("allreduce").get("excludedRanks")).isEmpty();
        Eventually.await("the Restarting condition names the reason", WAIT, () -> cluster.get(NS, "allreduce")
                .getStatus().conditions.stream().filter(c -> "Restarting".equals(c.getType())).anyMatch(c ->
                        c.getMessage() != null && c.getMessage().contains("cp-oadam")
                                && c.getMessage().contains("spec.failurePolicy.onWorkerFailure=RewireAndReplace")));
    }

    @Test
    void rewireAndReplaceCutsTheRankOutThenTakesItBack() {
        Map<String, String> before = running("rewired", 8, "Ring",
                j -> j.getSpec().failurePolicy.onWorkerFailure = FailurePolicy.REWIRE_AND_REPLACE);
        cluster.terminate(cluster.pod(NS, "rewired-worker-1"), "Failed", 1);
        Eventually.await("epoch 2 without rank 1", WAIT, () -> topology("rewired").get("epoch").asLong() == 2);
        JsonNode topology = topology("rewired");
        assertThat(topology.get("epoch").asLong()).as("epochs only grow").isEqualTo(2);
        assertThat(topology.get("excludedRanks").get(0).asInt()).isEqualTo(1);
        double[][] w = io.dgan.operator.TopologyJson.weights(topology);
        assertThat(w[1][1]).isEqualTo(1.0);
        assertThat(w[0][1]).isZero();
        assertDoublyStochasticAndSymmetric(w);
        assertThat(topology.get("connected").asBoolean()).isTrue(); // a ring minus one node is a path
        Eventually.await("Degraded", WAIT, () -> "Degraded".equals(cluster.phase(NS, "rewired")));
        Eventually.await("rank 1 recreated", WAIT, () -> {
            Pod p = cluster.pod(NS, "rewired-worker-1");
            return p != null && !p.getMetadata().getUid().equals(before.get("rewired-worker-1"));
        });
        cluster.markReady(cluster.pod(NS, "rewired-worker-1"));
        // Rejoining bumps the epoch again (3; one more if a reconcile started from a cached status older than the
        // operator's last write — epochs only need to grow).
        Eventually.await("a newer epoch with every rank", WAIT, () -> topology("rewired").get("epoch").asLong() >= 3
                && topology("rewired").get("excludedRanks").isEmpty());
        // memberSince tells every worker, even one that never saw epoch 2, that rank 1 is a new process: it is in
        // the graph since the epoch that took it back; the others since the start.
        JsonNode since = topology("rewired").get("memberSince");
        assertThat(since).hasSize(8);
        assertThat(since.get(1).asLong()).isGreaterThanOrEqualTo(3)
                .isLessThanOrEqualTo(topology("rewired").get("epoch").asLong());
        for (int r : new int[] {0, 2, 3, 4, 5, 6, 7}) {
            assertThat(since.get(r).asLong()).as("rank %d", r).isZero();
        }
        Eventually.await("Running", WAIT, () -> "Running".equals(cluster.phase(NS, "rewired")));
        Map<String, String> after = uids("rewired");
        before.remove("rewired-worker-1");
        after.remove("rewired-worker-1");
        assertThat(after).isEqualTo(before);
    }

    @Test
    void restartJobRecreatesEveryWorker() {
        Map<String, String> before = running("restart", 3, "Ring",
                j -> j.getSpec().failurePolicy.onWorkerFailure = FailurePolicy.RESTART_JOB);
        cluster.terminate(cluster.pod(NS, "restart-worker-0"), "Failed", 1);
        Eventually.await("all three recreated", WAIT, () -> {
            Map<String, String> now = uids("restart");
            return now.size() == 3 && now.values().stream().noneMatch(before::containsValue);
        });
        Eventually.await("restart counted", WAIT, () -> cluster.get(NS, "restart").getStatus().restarts == 1);
        cluster.markAllReady(NS, "restart");
        Eventually.await("Running", WAIT, () -> "Running".equals(cluster.phase(NS, "restart")));
    }

    @Test
    void anExhaustedRestartBudgetFailsTheJob() {
        running("budget", 2, "Ring", j -> j.getSpec().failurePolicy.maxRestarts = 0);
        cluster.terminate(cluster.pod(NS, "budget-worker-1"), "Failed", 1);
        Eventually.await("Failed", WAIT, () -> "Failed".equals(cluster.phase(NS, "budget")));
        assertThat(cluster.get(NS, "budget").getStatus().message).contains("spec.failurePolicy.maxRestarts=0");
    }

    @Test
    void aNonRetryableExitCodeFailsTheJobAtOnce() {
        running("bug", 2, "Ring", j -> j.getSpec().failurePolicy.nonRetryableExitCodes = java.util.List.of(4));
        cluster.terminate(cluster.pod(NS, "bug-worker-0"), "Failed", 4);
        Eventually.await("Failed", WAIT, () -> "Failed".equals(cluster.phase(NS, "bug")));
        assertThat(JobConditions.find(cluster.get(NS, "bug").getStatus(), JobConditions.FAILED).get().getReason())
                .isEqualTo("NonRetryableExitCode");
    }

    // ---- validation ------------------------------------------------------------------------------------------

    @Test
    void invalidSpecsAreReportedWithTheFieldAndCreateNothing() {
        Map<String, Consumer<DecentralizedGANJob>> cases = Map.of(
                "spec.workers", j -> j.getSpec().workers = 0,
                "spec.topology.type", j -> {
                    j.getSpec().workers = 6;
                    j.getSpec().topology.type = "Hypercube";
                },
                "spec.optimizer.lrGenerator", j -> j.getSpec().optimizer.lrGenerator = -1e-4,
                "spec.model.type", j -> j.getSpec().model.type = "stylegan9");
        int i = 0;
        for (Map.Entry<String, Consumer<DecentralizedGANJob>> c : cases.entrySet()) {
            String name = "invalid-" + i++;
            DecentralizedGANJob job = TestJobs.job(name, 4, "Ring");
            c.getValue().accept(job);
            cluster.create(job);
            Eventually.await(name + " ValidationFailed", WAIT, () -> "ValidationFailed".equals(cluster.phase(NS, name)));
            String message = JobConditions.find(cluster.get(NS, name).getStatus(), JobConditions.VALIDATION_FAILED)
                    .get().getMessage();
            assertThat(message).as(c.getKey()).startsWith(c.getKey());
            assertThat(cluster.workers(NS, name)).isEmpty();
            assertThat(client.services().inNamespace(NS).withName(name + "-peers").get()).isNull();
        }
    }

    @Test
    void anInvalidUpdateLeavesRunningWorkersAlone() {
        Map<String, String> before = running("guarded", 4, "Ring", j -> { });
        edit("guarded", j -> j.getSpec().topology.type = "Hypercube"); // fine: 4 is a power of two
        Eventually.await("epoch 2", WAIT, () -> topology("guarded").get("epoch").asLong() == 2);
        edit("guarded", j -> j.getSpec().workers = 6); // hypercube on 6: invalid
        Eventually.await("ValidationFailed", WAIT, () ->
                JobConditions.isTrue(cluster.get(NS, "guarded").getStatus(), JobConditions.VALIDATION_FAILED));
        DecentralizedGANJob job = cluster.get(NS, "guarded");
        assertThat(JobConditions.find(job.getStatus(), JobConditions.VALIDATION_FAILED).get().getMessage())
                .startsWith("spec.topology.type");
        assertThat(job.getStatus().phase).isEqualTo("Running");
        assertThat(uids("guarded")).isEqualTo(before);
        assertThat(topology("guarded").get("workers").asInt()).isEqualTo(4);
        edit("guarded", j -> j.getSpec().workers = 8);
        Eventually.await("valid again and scaled", WAIT, () -> cluster.workers(NS, "guarded").size() == 8
                && !JobConditions.isTrue(cluster.get(NS, "guarded").getStatus(), JobConditions.VALIDATION_FAILED));
    }

    // ---- utilities ---------------------------------------------------------------------------------------------

    /** Creates a job, waits for its pods, marks them ready and waits for Running; returns pod name -> uid. */
    static Map<String, String> running(String name, int workers, String topology, Consumer<DecentralizedGANJob> tweak) {
        DecentralizedGANJob job = TestJobs.job(name, workers, topology);
        tweak.accept(job);
        cluster.create(job);
        Eventually.await(name + " pods", WAIT, () -> cluster.workers(NS, name).size() == workers);
        cluster.markAllReady(NS, name);
        Eventually.await(name + " Running", WAIT, () -> "Running".equals(cluster.phase(NS, name)),
                () -> String.valueOf(cluster.get(NS, name).getStatus().phase));
        return uids(name);
    }

    static void edit(String name, Consumer<DecentralizedGANJob> change) {
        cluster.edit(NS, name, change);
    }

    static Map<String, String> uids(String name) {
        return cluster.workers(NS, name).stream().filter(p -> p.getMetadata().getDeletionTimestamp() == null)
                .collect(Collectors.toMap(p -> p.getMetadata().getName(), p -> p.getMetadata().getUid()));
    }

    static JsonNode topology(String name) {
        try {
            return JSON.readTree(client.configMaps().inNamespace(NS).withName(name + "-topology").get()
                    .getData().get("topology.json"));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static java.util.List<String> events(String name) {
        return client.v1().events().inNamespace(NS).list().getItems().stream()
                .filter(e -> name.equals(e.getInvolvedObject().getName())).map(e -> e.getMessage()).toList();
    }

    static void assertDoublyStochasticAndSymmetric(double[][] w) {
        for (int i = 0; i < w.length; i++) {
            double row = 0, col = 0;
            for (int j = 0; j < w.length; j++) {
                row += w[i][j];
                col += w[j][i];
                assertThat(w[i][j]).isCloseTo(w[j][i], org.assertj.core.data.Offset.offset(1e-12));
                assertThat(w[i][j]).isGreaterThanOrEqualTo(0);
            }
            assertThat(row).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-12));
            assertThat(col).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-12));
        }
    }


}
