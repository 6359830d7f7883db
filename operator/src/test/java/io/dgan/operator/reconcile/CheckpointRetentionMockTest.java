package io.dgan.operator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import io.dgan.operator.Eventually;
import io.dgan.operator.MockCluster;
import io.dgan.operator.TestJobs;
import io.dgan.operator.crd.CheckpointVolumeSpec;
import io.dgan.operator.crd.DecentralizedGANJob;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code spec.training.checkpointVolume.whenDeleted} against the operator on the Fabric8 mock (CRUD mode; it has no
 * garbage collector, so what is checked is each claim's owner reference, which is what the collector follows: the
 * cluster suite deletes a job for real). A change of the policy re-owns the existing claims without restarting a
 * worker, on a running and on a failed job; a job finds the claims an earlier one of its name retained and owns them
 * as its own policy says; a claim a user made under that name is never made the job's.
 */
@EnableKubernetesMockClient(crud = true)
class CheckpointRetentionMockTest {
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
    void changingThePolicyReownsTheClaimsOfARunningJobWithoutRestartingAWorker() {
        Map<String, String> pods = running("keep", 2, null);
        String uid = cluster.get(NS, "keep").getMetadata().getUid();
        assertThat(owners("keep-checkpoint-0")).singleElement().satisfies(r -> assertThat(r.getUid()).isEqualTo(uid));

        cluster.edit(NS, "keep", j -> j.getSpec().training.checkpointVolume.whenDeleted = CheckpointVolumeSpec.RETAIN);
        Eventually.await("both claims let go", WAIT, () -> owners("keep-checkpoint-0").isEmpty()
                && owners("keep-checkpoint-1").isEmpty());
        Eventually.await("an event", WAIT, () -> cluster.events(NS, "keep").stream().anyMatch(e -> e.getMessage().startsWith(
                "spec.training.checkpointVolume.whenDeleted Delete -> Retain: the checkpoint claims are kept when the "
                        + "job is deleted; delete them with kubectl delete pvc -l dgan.io/job=keep (ranks [0, 1] updated)")));
        assertThat(cluster.get(NS, "keep").getStatus().applied.checkpointsWhenDeleted).isEqualTo("Retain");

        cluster.edit(NS, "keep", j -> j.getSpec().training.checkpointVolume.whenDeleted = CheckpointVolumeSpec.DELETE);
        Eventually.await("both claims owned again", WAIT, () -> owners("keep-checkpoint-0").size() == 1
                && owners("keep-checkpoint-1").size() == 1);
        assertThat(owners("keep-checkpoint-1").get(0).getController()).isTrue();
        assertThat(cluster.podUids(NS, "keep")).as("no worker restarted").isEqualTo(pods);
        assertThat(cluster.phase(NS, "keep")).isEqualTo("Running");
    }

    @Test
    void aFailedJobsClaimsCanBeKeptBeforeItIsDeleted() {
        running("failed", 2, null);
        cluster.terminate(cluster.pod(NS, "failed-worker-1"), "Failed", 3, "rank 1 diverged at iteration 9", null);
        Eventually.await("Failed", WAIT, () -> "Failed".equals(cluster.phase(NS, "failed")));
        cluster.edit(NS, "failed", j -> j.getSpec().training.checkpointVolume.whenDeleted = CheckpointVolumeSpec.RETAIN);
        Eventually.await("both claims let go", WAIT, () -> owners("failed-checkpoint-0").isEmpty()
                && owners("failed-checkpoint-1").isEmpty());
        assertThat(cluster.phase(NS, "failed")).as("not a change that runs it again").isEqualTo("Failed");
        assertThat(cluster.get(NS, "failed").getStatus().applied.checkpointsWhenDeleted).isEqualTo("Retain");
    }

    @Test
    void aJobOwnsTheClaimsAnEarlierJobOfItsNameRetainedAsItsOwnPolicySays() {
        // What an earlier job "again" with whenDeleted: Retain left: labelled claims without an owner.
        for (int rank = 0; rank < 2; rank++) {
            client.persistentVolumeClaims().inNamespace(NS).resource(claim("again-checkpoint-" + rank, Map.of(
                    "dgan.io/job", "again", "app.kubernetes.io/managed-by", "dgan-operator",
                    "dgan.io/rank", Integer.toString(rank)))).create();
        }
        // A claim a user made under the name rank 2 will use: mounted, but never the job's to delete.
        client.persistentVolumeClaims().inNamespace(NS).resource(claim("again-checkpoint-2", Map.of("team", "vision")))
                .create();
        running("again", 3, null);
        String uid = cluster.get(NS, "again").getMetadata().getUid();
        Eventually.await("the retained claims owned", WAIT, () -> owners("again-checkpoint-0").size() == 1
                && owners("again-checkpoint-1").size() == 1);
        assertThat(owners("again-checkpoint-0").get(0).getUid()).isEqualTo(uid);
        assertThat(owners("again-checkpoint-2")).as("the user's claim").isEmpty();
        assertThat(client.persistentVolumeClaims().inNamespace(NS).withName("again-checkpoint-2").get().getMetadata()
                .getLabels()).isEqualTo(Map.of("team", "vision"));
        assertThat(cluster.pod(NS, "again-worker-2").getSpec().getVolumes()).anyMatch(v ->
                v.getPersistentVolumeClaim() != null
                        && "again-checkpoint-2".equals(v.getPersistentVolumeClaim().getClaimName()));

        // The same under Retain: a new job leaves them unowned, and its own new claims are made unowned.
        running("kept", 2, CheckpointVolumeSpec.RETAIN);
        assertThat(owners("kept-checkpoint-0")).isEmpty();
        assertThat(owners("kept-checkpoint-1")).isEmpty();
    }

    // ---- utilities ---------------------------------------------------------------------------------------------

    /** A job with a checkpoint claim per rank under that policy (null: unset), its pods ready, Running. */
    Map<String, String> running(String name, int workers, String whenDeleted) {
        DecentralizedGANJob job = TestJobs.job(name, workers, "Ring");
        job.getSpec().training.checkpointVolume = new CheckpointVolumeSpec();
        job.getSpec().training.checkpointVolume.size = "1Gi";
        job.getSpec().training.checkpointVolume.whenDeleted = whenDeleted;
        return cluster.running(job, WAIT);
    }

    static PersistentVolumeClaim claim(String name, Map<String, String> labels) {
        return new PersistentVolumeClaimBuilder().withNewMetadata().withName(name).withNamespace(NS)
                .withLabels(labels).endMetadata().withNewSpec().withAccessModes("ReadWriteOnce").withNewResources()
                .addToRequests("storage", new io.fabric8.kubernetes.api.model.Quantity("1Gi")).endResources()
                .endSpec().build();
    }

    List<OwnerReference> owners(String claim) {
        PersistentVolumeClaim c = client.persistentVolumeClaims().inNamespace(NS).withName(claim).get();
        assertThat(c).as(claim).isNotNull();
        return c.getMetadata().getOwnerReferences() == null ? List.of() : c.getMetadata().getOwnerReferences();
    }
}
