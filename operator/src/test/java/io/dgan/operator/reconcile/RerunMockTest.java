package io.dgan.operator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import io.dgan.operator.Eventually;
import io.dgan.operator.MockCluster;
import io.dgan.operator.TestJobs;
import io.dgan.operator.crd.DecentralizedGANJob;
import io.dgan.operator.crd.FailurePolicy;
import io.dgan.operator.resources.RestartHash;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A finished job run again by a change of its spec, against the operator on the Fabric8 mock (CRUD mode): a job that
 * diverged goes on with lower learning rates, a job out of restarts with a new {@code restartNonce}, a job that
 * succeeded with more iterations; a change that would only repeat the same end leaves the job finished.
 */
@EnableKubernetesMockClient(crud = true)
class RerunMockTest {
    static final String NS = "training";
    static final Duration WAIT = Duration.ofSeconds(60); // generous: waits end as soon as the condition holds
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

    @Test
    void aDivergedJobRunsAgainWithLowerLearningRatesAndCanThenSucceed() throws Exception {
        Map<String, String> first = running("lower", 3, FailurePolicy.REPLACE, j -> { });
        cluster.terminate(cluster.pod(NS, "lower-worker-1"), "Failed", 3, "rank 1 diverged at iteration 7: the "
                + "generator loss is NaN; no checkpoint was written before it", null);
        Eventually.await("Failed", WAIT, () -> "Failed".equals(cluster.phase(NS, "lower")));
        Eventually.await("the running ranks removed", WAIT, () -> cluster.podUids(NS, "lower").keySet().equals(Set.of("lower-worker-1")));
        String failedHash = RestartHash.of(cluster.get(NS, "lower").getSpec());

        cluster.edit(NS, "lower", j -> {
            j.getSpec().optimizer.lrGenerator = 1e-5;
            j.getSpec().optimizer.lrDiscriminator = 1e-5;
        });
        // The pods are created before the pass writes the status: wait for both.
        Eventually.await("three new pods, Restarting", WAIT, () -> {
            Map<String, String> now = cluster.podUids(NS, "lower");
            return now.size() == 3 && now.values().stream().noneMatch(first::containsValue)
                    && "Restarting".equals(cluster.phase(NS, "lower"));
        });
        DecentralizedGANJob job = cluster.get(NS, "lower");
        assertThat(job.getStatus().phase).isEqualTo("Restarting");
        assertThat(job.getStatus().completionTime).isNull();
        assertThat(job.getStatus().message).isEmpty();
        assertThat(job.getStatus().restarts).isZero();
        assertThat(condition(job, JobConditions.FAILED).getStatus()).isEqualTo("False");
        assertThat(condition(job, JobConditions.FAILED).getReason()).isEqualTo("Rerun");
        Condition restarting = condition(job, JobConditions.RESTARTING);
        assertThat(restarting.getStatus()).isEqualTo("True");
        assertThat(restarting.getMessage()).startsWith("the spec changed after the job failed (template, model, "
                + "dataset, optimizer, training or restartNonce): running it again");
        for (Pod pod : cluster.workers(NS, "lower")) {
            assertThat(pod.getMetadata().getAnnotations().get(RestartHash.ANNOTATION))
                    .isEqualTo(RestartHash.of(job.getSpec())).isNotEqualTo(failedHash);
        }
        Eventually.await("a Rerun event", WAIT, () -> cluster.events(NS, "lower").stream().anyMatch(e -> "Rerun".equals(e.getReason())
                && e.getMessage().startsWith("the spec changed after the job failed")));
        assertThat(cluster.scrape()).contains("dgan_operator_jobs_rerun_total{phase=\"Failed\"} 1.0");

        cluster.markAllReady(NS, "lower");
        Eventually.await("Running", WAIT, () -> "Running".equals(cluster.phase(NS, "lower")));
        for (Pod pod : cluster.workers(NS, "lower")) cluster.terminate(pod, "Succeeded", 0);
        Eventually.await("Succeeded", WAIT, () -> "Succeeded".equals(cluster.phase(NS, "lower")));
        job = cluster.get(NS, "lower");
        assertThat(condition(job, JobConditions.FAILED).getStatus()).isEqualTo("False");
        assertThat(condition(job, JobConditions.SUCCEEDED).getStatus()).isEqualTo("True");
    }

    @Test
    void aChangeThatWouldRepeatTheSameEndLeavesAFailedJobFailedAndANewNonceRunsIt() throws Exception {
        running("budget", 2, FailurePolicy.REPLACE, j -> j.getSpec().failurePolicy.maxRestarts = 0);
        cluster.terminate(cluster.pod(NS, "budget-worker-0"), "Failed", 137, "OOMKilled", null);
        cluster.clock.advance(WorkerLoss.SETTLE);
        Eventually.await("Failed", WAIT, () -> "Failed".equals(cluster.phase(NS, "budget")));
        assertThat(condition(cluster.get(NS, "budget"), JobConditions.FAILED).getReason())
                .isEqualTo("RestartBudgetExhausted");
        Eventually.await("the running rank removed", WAIT, () -> cluster.podUids(NS, "budget").keySet().equals(Set.of("budget-worker-0")));
        Map<String, String> failed = cluster.podUids(NS, "budget");

        // A larger budget alone would fail the same way at the next loss: recorded, nothing runs.
        cluster.edit(NS, "budget", j -> j.getSpec().failurePolicy.maxRestarts = 5);
        Thread.sleep(1_500); // several passes (every 300 ms here)
        assertThat(cluster.phase(NS, "budget")).isEqualTo("Failed");
        assertThat(cluster.podUids(NS, "budget")).isEqualTo(failed);

        cluster.edit(NS, "budget", j -> j.getSpec().restartNonce = 1L);
        Eventually.await("two new pods, Restarting", WAIT, () -> {
            Map<String, String> now = cluster.podUids(NS, "budget");
            return now.size() == 2 && now.values().stream().noneMatch(failed::containsValue)
                    && "Restarting".equals(cluster.phase(NS, "budget"));
        });
        assertThat(cluster.get(NS, "budget").getStatus().restarts).isZero();
        cluster.markAllReady(NS, "budget");
        Eventually.await("Running", WAIT, () -> "Running".equals(cluster.phase(NS, "budget")));
    }

    @Test
    void aSucceededJobGoesOnWhenAskedForMoreIterationsOnly() throws Exception {
        running("longer", 2, FailurePolicy.REPLACE, j -> j.getSpec().training.iterations = 1000L);
        for (Pod pod : cluster.workers(NS, "longer")) cluster.terminate(pod, "Succeeded", 0);
        Eventually.await("Succeeded", WAIT, () -> "Succeeded".equals(cluster.phase(NS, "longer")));
        Map<String, String> done = cluster.podUids(NS, "longer");

        cluster.edit(NS, "longer", j -> j.getSpec().optimizer.lrGenerator = 1e-5);
        Thread.sleep(1_500);
        assertThat(cluster.phase(NS, "longer")).as("another learning rate alone").isEqualTo("Succeeded");
        assertThat(cluster.podUids(NS, "longer")).isEqualTo(done);

        cluster.edit(NS, "longer", j -> j.getSpec().training.iterations = 3000L);
        Eventually.await("two new pods, Restarting", WAIT, () -> {
            Map<String, String> now = cluster.podUids(NS, "longer");
            return now.size() == 2 && now.values().stream().noneMatch(done::containsValue)
                    && "Restarting".equals(cluster.phase(NS, "longer"));
        });
        DecentralizedGANJob job = cluster.get(NS, "longer");
        assertThat(condition(job, JobConditions.SUCCEEDED).getStatus()).isEqualTo("False");
        assertThat(condition(job, JobConditions.RESTARTING).getMessage()).startsWith("spec.training.iterations raised "
                + "to 3000 after the job finished 1000: training goes on");
        cluster.markAllReady(NS, "longer");
        Eventually.await("Running", WAIT, () -> "Running".equals(cluster.phase(NS, "longer")));
        for (Pod pod : cluster.workers(NS, "longer")) cluster.terminate(pod, "Succeeded", 0);
        Eventually.await("Succeeded again", WAIT, () -> "Succeeded".equals(cluster.phase(NS, "longer")));
        assertThat(cluster.get(NS, "longer").getStatus().progress.maxStep).isEqualTo(3000L);
        assertThat(cluster.scrape()).contains("dgan_operator_jobs_rerun_total{phase=\"Succeeded\"} 1.0",
                "dgan_operator_jobs_succeeded_total 2.0");
    }

    @Test
    void theOldPodsOfASucceededJobStillBeingDeletedDoNotEndItsRerun() throws Exception {
        running("slow", 2, FailurePolicy.REPLACE, j -> j.getSpec().training.iterations = 1000L);
        // A finalizer keeps each pod, Succeeded, with a deletion timestamp after the rerun deletes it (a kubelet or
        // an informer slower than the operator's next pass).
        for (Pod pod : cluster.workers(NS, "slow")) {
            client.pods().inNamespace(NS).withName(pod.getMetadata().getName()).edit(p -> {
                p.getMetadata().setFinalizers(List.of("example.com/hold"));
                return p;
            });
            cluster.terminate(cluster.pod(NS, pod.getMetadata().getName()), "Succeeded", 0);
        }
        Eventually.await("Succeeded", WAIT, () -> "Succeeded".equals(cluster.phase(NS, "slow")));
        cluster.edit(NS, "slow", j -> j.getSpec().training.iterations = 2000L);
        Eventually.await("the old pods being deleted", WAIT, () -> cluster.workers(NS, "slow").stream()
                .allMatch(p -> p.getMetadata().getDeletionTimestamp() != null));
        Thread.sleep(1_500); // several passes (every 300 ms here) that see them
        assertThat(cluster.phase(NS, "slow")).as("the rerun goes on").isNotEqualTo("Succeeded");
        for (Pod pod : cluster.workers(NS, "slow")) {
            client.pods().inNamespace(NS).withName(pod.getMetadata().getName()).edit(p -> {
                p.getMetadata().setFinalizers(List.of());
                return p;
            });
        }
        Eventually.await("two new pods", WAIT, () -> cluster.workers(NS, "slow").size() == 2
                && cluster.workers(NS, "slow").stream().allMatch(p -> p.getMetadata().getDeletionTimestamp() == null
                && (p.getStatus() == null || !"Succeeded".equals(p.getStatus().getPhase()))));
        assertThat(cluster.phase(NS, "slow")).isNotEqualTo("Succeeded");
    }

    // ---- utilities ---------------------------------------------------------------------------------------------

    /** Creates a job with that failure policy, marks its pods ready, waits for Running; returns pod name -> uid. */
    Map<String, String> running(String name, int workers, String onWorkerFailure, Consumer<DecentralizedGANJob> edit) {
        DecentralizedGANJob job = TestJobs.job(name, workers, "Ring");
        job.getSpec().failurePolicy.onWorkerFailure = onWorkerFailure;
        edit.accept(job);
        return cluster.running(job, WAIT);
    }

    static Condition condition(DecentralizedGANJob job, String type) {
        return JobConditions.find(job.getStatus(), type).orElseThrow();
    }
}
