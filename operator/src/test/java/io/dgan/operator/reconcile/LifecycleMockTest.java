package io.dgan.operator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import io.dgan.operator.Eventually;
import io.dgan.operator.MockCluster;
import io.dgan.operator.TestJobs;
import io.dgan.operator.crd.DecentralizedGANJob;
import io.dgan.operator.progress.WorkerSample;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

@EnableKubernetesMockClient(crud = true)
class LifecycleMockTest {
    static final String NS = "training";
    static final Duration WAIT = Duration.ofSeconds(60); // generous: waits end as soon as the condition holds; 20 s timed out at load 30+
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
    void createdJobGetsEveryDependentAndReachesRunning() {
        cluster.create(TestJobs.job("gan", 4, "Ring"));
        Eventually.await("4 worker pods", WAIT, () -> cluster.workers(NS, "gan").size() == 4);

        assertThat(client.services().inNamespace(NS).withName("gan-peers").get().getSpec().getPublishNotReadyAddresses()).isTrue();
        ConfigMap topology = client.configMaps().inNamespace(NS).withName("gan-topology").get();
        assertThat(topology.getData().get("topology.json")).contains("\"epoch\":1", "\"type\":\"ring\"");
        assertThat(client.configMaps().inNamespace(NS).withName("gan-config").get().getData()).containsKey("config.json");
        assertThat(client.network().v1().networkPolicies().inNamespace(NS).withName("gan-gossip").get()).isNotNull();
        DecentralizedGANJob job = cluster.get(NS, "gan");
        for (Pod pod : cluster.workers(NS, "gan")) {
            assertThat(pod.getMetadata().getOwnerReferences()).singleElement()
                    .satisfies(o -> assertThat(o.getUid()).isEqualTo(job.getMetadata().getUid()));
        }
        assertThat(topology.getMetadata().getOwnerReferences()).hasSize(1);
        // The reconcile creates the pods before it writes the status: the phase may land a moment after them.
        Eventually.await("phase Pending", WAIT, () -> "Pending".equals(cluster.phase(NS, "gan")));

        cluster.markAllReady(NS, "gan");
        Eventually.await("phase Running", WAIT, () -> "Running".equals(cluster.phase(NS, "gan")));
        DecentralizedGANJob running = cluster.get(NS, "gan");
        assertThat(running.getStatus().ready).isEqualTo("4/4");
        assertThat(running.getStatus().topology.spectralGap).isCloseTo(1 - 1.0 / 3, org.assertj.core.data.Offset.offset(1e-6));
        assertThat(running.getStatus().conditions).extracting(c -> c.getType() + "=" + c.getStatus())
                .contains("Created=True", "PeersReady=True", "Running=True", "ValidationFailed=False");
        assertThat(client.v1().events().inNamespace(NS).list().getItems())
                .extracting(e -> e.getReason()).contains("Created", "PeersReady", "Running", "PhaseRunning");

        for (int r = 0; r < 4; r++) cluster.progress.set("gan-worker-" + r, new WorkerSample(100 + r * 10, 0.01 * (r + 1), 40.0 - r));
        Eventually.await("progress in status", WAIT, () -> cluster.get(NS, "gan").getStatus().progress != null
                && cluster.get(NS, "gan").getStatus().progress.maxStep == 130);
        var progress = cluster.get(NS, "gan").getStatus().progress;
        assertThat(progress.minStep).isEqualTo(100);
        assertThat(progress.medianStep).isEqualTo(110);
        assertThat(progress.consensusDistance).isEqualTo(0.04);
        assertThat(progress.lastEvalFid).isEqualTo(37.0);
        assertThat(progress.stale).isNull();

        // The workers stop answering: after three sampling intervals the progress is kept but marked stale.
        cluster.progress.clear();
        cluster.clock.advance(Duration.ofSeconds(2));
        Eventually.await("progress stale", WAIT, () -> Boolean.TRUE.equals(cluster.get(NS, "gan").getStatus().progress.stale));
        assertThat(cluster.get(NS, "gan").getStatus().progress.maxStep).isEqualTo(130);
    }

    @Test
    void aRestartedOperatorResumesFromTheStatus() {
        DecentralizedGANJob job = TestJobs.job("resume", 4, "Ring");
        job.getSpec().failurePolicy.onWorkerFailure = "RewireAndReplace";
        cluster.create(job);
        Eventually.await("4 pods", WAIT, () -> cluster.workers(NS, "resume").size() == 4);
        cluster.markAllReady(NS, "resume");
        Eventually.await("Running", WAIT, () -> "Running".equals(cluster.phase(NS, "resume")));
        cluster.terminate(cluster.pod(NS, "resume-worker-3"), "Failed", 1);
        Eventually.await("Degraded at epoch 2", WAIT, () -> "Degraded".equals(cluster.phase(NS, "resume"))
                && cluster.get(NS, "resume").getStatus().topology.epoch == 2);
        Eventually.await("rank 3 recreated", WAIT, () -> cluster.workers(NS, "resume").size() == 4);
        java.util.Map<String, String> uids = new java.util.HashMap<>();
        cluster.workers(NS, "resume").forEach(p -> uids.put(p.getMetadata().getName(), p.getMetadata().getUid()));

        cluster.close(); // the operator goes away mid-replacement ...
        cluster = new MockCluster(client); // ... and a new one (another replica, or a restart) takes over
        cluster.markReady(cluster.pod(NS, "resume-worker-3"));
        Eventually.await("rank 3 rejoined at a newer epoch", WAIT, () -> "Running".equals(cluster.phase(NS, "resume"))
                && cluster.get(NS, "resume").getStatus().topology.epoch >= 3);
        DecentralizedGANJob after = cluster.get(NS, "resume");
        assertThat(after.getStatus().restarts).isEqualTo(1); // the failure was not counted twice
        assertThat(after.getStatus().topology.excludedRanks).isEmpty();
        java.util.Map<String, String> now = new java.util.HashMap<>();
        cluster.workers(NS, "resume").forEach(p -> now.put(p.getMetadata().getName(), p.getMetadata().getUid()));
        assertThat(now).isEqualTo(uids); // no pod was recreated by the new operator
    }

    @Test
    void epochsNeverGoBackwardsEvenIfTheStatusLostThem() throws Exception {
        cluster.create(TestJobs.job("epochs", 2, "Ring"));
        Eventually.await("topology published", WAIT, () -> client.configMaps().inNamespace(NS).withName("epochs-topology").get() != null);
        // The workers hold epoch 7 while the status says 1: what a status write that failed after publishing leaves.
        client.configMaps().inNamespace(NS).withName("epochs-topology").edit(cm -> {
            cm.getMetadata().getAnnotations().put("dgan.io/topology-epoch", "7");
            cm.getData().put("topology.json", cm.getData().get("topology.json").replace("\"epoch\":1", "\"epoch\":7"));
            return cm;
        });
        // The ConfigMap edit normally triggers a reconcile through the dependent's informer; on a loaded machine
        // (seen once in CI-like runs) that event can land while a reconcile is already reading an older cache, and
        // the next one is then the periodic re-check (30 s). Touch the job with an ignorable spec field so the next
        // reconcile comes now: what this test proves is the floor on the published epoch, not event delivery.
        // (A label would be filtered out as no new generation; ttlSecondsAfterFinished is an IGNORE-class change.)
        // Nudge every 2 s until the status adopts the epoch (or WAIT runs out): one nudge was lost once in a clean CI.
        long deadline = System.nanoTime() + WAIT.toNanos();
        for (long ttl = 4242; ; ttl++) {
            Thread.sleep(500);
            long next = ttl;
            cluster.edit(NS, "epochs", j -> j.getSpec().runPolicy.ttlSecondsAfterFinished = next);
            if (Eventually.holds(Duration.ofSeconds(2), () -> cluster.get(NS, "epochs").getStatus().topology.epoch == 7)
                    || System.nanoTime() > deadline) {
                break;
            }
        }
        assertThat(cluster.get(NS, "epochs").getStatus().topology.epoch).as("status adopts epoch 7").isEqualTo(7L);
        String json = client.configMaps().inNamespace(NS).withName("epochs-topology").get().getData().get("topology.json");
        assertThat(new com.fasterxml.jackson.databind.ObjectMapper().readTree(json).get("epoch").asLong()).isEqualTo(7);
    }
}
