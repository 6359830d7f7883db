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
    static final Duration WAIT = Duration.ofSeconds(20);
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
        assertThat(cluster.phase(NS, "gan")).isEqualTo("Pending");

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
    }
}
