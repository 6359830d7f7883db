package io.dgan.operator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import io.dgan.operator.Eventually;
import io.dgan.operator.MockCluster;
import io.dgan.operator.TestJobs;
import io.dgan.operator.crd.DecentralizedGANJob;
import io.dgan.operator.crd.FailurePolicy;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A training run that diverges, against the operator on the Fabric8 mock (CRUD mode): the diverged rank exits 3 with
 * its line in the container's termination message, and the job fails once, with reason Diverged, instead of being
 * replaced or restarted into the same divergence. Its neighbours stop as diverged too (exit 3) or wait; the cases
 * here have them exit 1 around it (a worker of another build, or one whose own failure came first), which must not
 * decide either. An operator per test: some stop it so that several exits land before it looks.
 */
@EnableKubernetesMockClient(crud = true)
class DivergenceMockTest {
    static final String NS = "training";
    static final Duration WAIT = Duration.ofSeconds(60); // generous: waits end as soon as the condition holds
    static final String DIVERGED_LINE = "rank 2 diverged at iteration 1,234: the discriminator loss is NaN; the "
            + "checkpoints up to iteration 1,200 hold finite values (the same settings would diverge again: resume "
            + "from them with lower learning rates, or start anew with a gradient penalty or spectral norm)";
    KubernetesClient client;
    MockCluster cluster;

    @BeforeEach
    void start() {
        cluster = new MockCluster(client);
    }

    @AfterEach
    void stop() {
        cluster.close();
    }

    static String neighbourLine(int rank) {
        return "rank " + rank + ": receive from rank 2 failed: rank 2 diverged and will send nothing more";
    }

    @Test
    void aDivergedWorkerFailsTheJobWithItsLineAndNoPodIsRecreated() throws Exception {
        Map<String, String> before = running("diverged", 4, FailurePolicy.REPLACE);
        // The worker's line after what it logged before (a log tail under FallbackToLogsOnError ends the same way).
        cluster.terminate(cluster.pod(NS, "diverged-worker-2"), "Failed", 3, "iteration 1,234 done\n" + DIVERGED_LINE
                + "\n", null);
        Eventually.await("Failed", WAIT, () -> "Failed".equals(cluster.phase(NS, "diverged")));
        DecentralizedGANJob job = cluster.get(NS, "diverged");
        Condition failed = JobConditions.find(job.getStatus(), JobConditions.FAILED).orElseThrow();
        assertThat(failed.getReason()).isEqualTo("Diverged");
        assertThat(failed.getMessage()).startsWith("rank 2 failed (exit 3: " + DIVERGED_LINE + "): its training "
                + "diverged").contains("the job is not restarted whatever spec.failurePolicy says",
                "lower spec.optimizer.lrGenerator and spec.optimizer.lrDiscriminator on this job: it runs again");
        assertThat(job.getStatus().message).isEqualTo(failed.getMessage());
        assertThat(job.getStatus().restarts).isZero();
        assertThat(job.getStatus().workers.get(2).lastExitCode).isEqualTo(3);
        Eventually.await("a Warning Event with the reason and the worker's line", WAIT, () -> cluster.events(NS, "diverged").stream()
                .anyMatch(e -> "Warning".equals(e.getType()) && e.getMessage().startsWith(
                        "Failed=True (Diverged): rank 2 failed (exit 3: " + DIVERGED_LINE + ")")));
        assertThat(cluster.scrape()).contains("dgan_operator_jobs_failed_total{reason=\"Diverged\"} 1.0");
        // cleanPodPolicy Running removes the running ranks; the diverged one stays for its logs. Nothing is created.
        Eventually.await("only the diverged pod left", WAIT, () -> cluster.podUids(NS, "diverged").keySet()
                .equals(java.util.Set.of("diverged-worker-2")));
        Thread.sleep(1_000); // a few more passes (every 300 ms here): still nothing recreated
        assertThat(cluster.podUids(NS, "diverged")).containsExactlyEntriesOf(Map.of("diverged-worker-2", before.get("diverged-worker-2")));
        assertNeitherReplacedNorRestarted("diverged");
    }

    @Test
    void aDivergenceAmongTheLossesOfOnePassDecidesWhicheverRankIsLookedAtFirst() {
        Map<String, String> before = running("onepass", 4, FailurePolicy.RESTART_JOB);
        // Rank 2 and both its neighbours exit while no operator looks; the next one finds all three in one pass.
        // Acted on in rank order, rank 1's exit would restart the job and delete rank 2's pod unread.
        cluster.close();
        cluster.terminate(cluster.pod(NS, "onepass-worker-1"), "Failed", 1, neighbourLine(1), null);
        cluster.terminate(cluster.pod(NS, "onepass-worker-3"), "Failed", 1, neighbourLine(3), null);
        cluster.terminate(cluster.pod(NS, "onepass-worker-2"), "Failed", 3, DIVERGED_LINE, null);
        cluster = new MockCluster(client);
        Eventually.await("Failed", WAIT, () -> "Failed".equals(cluster.phase(NS, "onepass")));
        DecentralizedGANJob job = cluster.get(NS, "onepass");
        assertThat(JobConditions.find(job.getStatus(), JobConditions.FAILED).orElseThrow().getReason())
                .isEqualTo("Diverged");
        assertThat(job.getStatus().message).startsWith("rank 2 failed (exit 3: " + DIVERGED_LINE + ")");
        assertThat(job.getStatus().restarts).isZero();
        assertThat(job.getStatus().workers).as("every rank that ended, not only the one acted on")
                .extracting(w -> w.rank + ":" + w.lastExitCode).containsExactly("0:null", "1:1", "2:3", "3:1");
        Eventually.await("the running rank 0 removed", WAIT, () -> !cluster.podUids(NS, "onepass").containsKey("onepass-worker-0"));
        before.remove("onepass-worker-0");
        assertThat(cluster.podUids(NS, "onepass")).as("the failed pods stay as they were").isEqualTo(before);
        assertNeitherReplacedNorRestarted("onepass");
    }

    @Test
    void aNeighbourSeenToExitFirstIsLeftUntilTheDivergedRanksExitArrives() {
        Map<String, String> before = running("neighbourfirst", 4, FailurePolicy.RESTART_JOB);
        // Rank 1's kubelet reports first: acted on at once, its exit would restart every rank.
        cluster.terminate(cluster.pod(NS, "neighbourfirst-worker-1"), "Failed", 1, neighbourLine(1),
                cluster.clock.instant());
        Eventually.await("Degraded: rank 1's exit seen", WAIT, () -> "Degraded".equals(cluster.phase(NS, "neighbourfirst")));
        assertThat(cluster.get(NS, "neighbourfirst").getStatus().restarts).isZero();
        assertThat(cluster.podUids(NS, "neighbourfirst")).isEqualTo(before);
        cluster.terminate(cluster.pod(NS, "neighbourfirst-worker-2"), "Failed", 3, DIVERGED_LINE,
                cluster.clock.instant().plusSeconds(1));
        Eventually.await("Failed", WAIT, () -> "Failed".equals(cluster.phase(NS, "neighbourfirst")));
        DecentralizedGANJob job = cluster.get(NS, "neighbourfirst");
        assertThat(JobConditions.find(job.getStatus(), JobConditions.FAILED).orElseThrow().getReason())
                .isEqualTo("Diverged");
        assertThat(job.getStatus().restarts).isZero();
        assertNeitherReplacedNorRestarted("neighbourfirst");
    }

    @Test
    void aWorkerThatExitedOneIsActedOnOnceItsWaitIsOver() {
        Map<String, String> before = running("settled", 3, FailurePolicy.RESTART_JOB);
        String line = "rank 1: receive from rank 0 timed out after 1800 s";
        cluster.terminate(cluster.pod(NS, "settled-worker-1"), "Failed", 1, line, cluster.clock.instant());
        Eventually.await("Degraded: rank 1's exit seen", WAIT, () -> "Degraded".equals(cluster.phase(NS, "settled")));
        assertThat(cluster.get(NS, "settled").getStatus().restarts).isZero();
        assertThat(cluster.podUids(NS, "settled")).isEqualTo(before);
        cluster.clock.advance(WorkerLoss.SETTLE);
        Eventually.await("all three recreated", WAIT, () -> {
            Map<String, String> now = cluster.podUids(NS, "settled");
            return now.size() == 3 && now.values().stream().noneMatch(before::containsValue);
        });
        Eventually.await("restart counted", WAIT, () -> cluster.get(NS, "settled").getStatus().restarts == 1);
        assertThat(cluster.events(NS, "settled")).extracting(Event::getMessage)
                .contains("rank 1 failed (exit 1: " + line + "); restarting all workers");
    }

    // ---- utilities ---------------------------------------------------------------------------------------------

    /** Creates a job with that failure policy, marks its pods ready, waits for Running; returns pod name -> uid. */
    Map<String, String> running(String name, int workers, String onWorkerFailure) {
        DecentralizedGANJob job = TestJobs.job(name, workers, "Ring");
        job.getSpec().failurePolicy.onWorkerFailure = onWorkerFailure;
        return cluster.running(job, WAIT);
    }

    void assertNeitherReplacedNorRestarted(String name) {
        assertThat(cluster.events(NS, name)).extracting(Event::getReason).doesNotContain("WorkerFailed", "JobRestarted")
                .contains("Failed", "PhaseFailed");
    }
}
