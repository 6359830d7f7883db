package io.dgan.operator.resources;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dgan.operator.TestJobs;
import io.dgan.operator.crd.DecentralizedGANJob;
import io.dgan.operator.topology.TopologyPlanner;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.VolumeMount;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * A rendered worker pod against docs/worker-contract.md: every contract variable, each rank finding itself through
 * the peer template, the files it is pointed at being the mounted ConfigMaps. {@link WorkerProcessTest} then starts
 * the real `dgan worker` with this environment.
 */
class WorkerEntryPointTest {
    final DecentralizedGANJob job = TestJobs.job("gan", 8, "Hypercube");

    @Test
    void everyRankParsesAndFindsItselfThroughThePeerTemplate() {
        for (int rank = 0; rank < 8; rank++) {
            Pod pod = WorkerPod.desired(job, rank);
            Map<String, String> env = envOf(pod);
            assertThat(env).containsOnlyKeys("RANK", "WORLD_SIZE", "DGAN_JOB_NAME", "DGAN_NAMESPACE",
                    "DGAN_PEER_TEMPLATE", "DGAN_GOSSIP_PORT", "DGAN_METRICS_PORT", "DGAN_TOPOLOGY_FILE",
                    "DGAN_CONFIG_FILE", "DGAN_RUN_DIR", "DGAN_CHECKPOINT_DIR", "DGAN_TLS_DIR");
            assertThat(env).containsEntry("RANK", Integer.toString(rank)).containsEntry("WORLD_SIZE", "8")
                    .containsEntry("DGAN_JOB_NAME", "gan");
            // The address its peers dial is this pod's own DNS name under the headless Service.
            String self = pod.getSpec().getHostname() + "." + pod.getSpec().getSubdomain() + ".training.svc:"
                    + env.get("DGAN_GOSSIP_PORT");
            assertThat(env.get("DGAN_PEER_TEMPLATE").replace("{rank}", Integer.toString(rank))).isEqualTo(self);
        }
    }

    @Test
    void theFilesTheWorkerIsPointedAtAreTheMountedConfigMaps() throws Exception {
        Pod pod = WorkerPod.desired(job, 5);
        Map<String, String> env = envOf(pod);
        Container worker = pod.getSpec().getContainers().get(0);
        assertThat(mountedFrom(worker, Path.of(env.get("DGAN_TOPOLOGY_FILE")))).isEqualTo("gan-topology");
        assertThat(mountedFrom(worker, Path.of(env.get("DGAN_CONFIG_FILE")))).isEqualTo("gan-config");
        assertThat(worker.getArgs()).containsExactly("worker");

        JsonNode topology = new ObjectMapper().readTree(TopologyConfigMap.desired(job,
                new TopologyPlanner().plan("Hypercube", 8, 1, 0, 1, List.of())).getData().get(TopologyConfigMap.KEY));
        assertThat(topology.get("workers").asInt()).isEqualTo(8);
        assertThat(topology.get("sparseWeights").get("rows")).hasSize(8);
        assertThat(io.dgan.operator.TopologyJson.matrix(topology).neighbours(5)).containsExactly(1, 4, 7);
    }

    static Map<String, String> envOf(Pod pod) {
        return pod.getSpec().getContainers().get(0).getEnv().stream()
                .collect(Collectors.toMap(EnvVar::getName, EnvVar::getValue));
    }

    /** The ConfigMap whose volume is mounted at the file's directory. */
    static String mountedFrom(Container c, Path file) {
        VolumeMount mount = c.getVolumeMounts().stream()
                .filter(m -> Path.of(m.getMountPath()).equals(file.getParent())).findFirst().orElseThrow();
        return WorkerPod.desired(TestJobs.job("gan", 8, "Hypercube"), 0).getSpec().getVolumes().stream()
                .filter(v -> v.getName().equals(mount.getName())).findFirst().orElseThrow().getConfigMap().getName();
    }
}
