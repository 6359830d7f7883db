package io.dgan.operator.resources;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dgan.config.WorkerEnvironment;
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
 * A rendered worker pod, handed to the worker's configuration parser exactly as the container would see it.
 * `dgan worker` did not exist on any branch when this was written, so the parser is core's WorkerEnvironment
 * (io.dgan.config), which reads exactly the contract's variables; the worker entry point is to use it.
 */
class WorkerEntryPointTest {
    final DecentralizedGANJob job = TestJobs.job("gan", 8, "Hypercube");

    @Test
    void everyRankParsesAndFindsItselfThroughThePeerTemplate() {
        for (int rank = 0; rank < 8; rank++) {
            Pod pod = WorkerPod.desired(job, rank);
            WorkerEnvironment env = WorkerEnvironment.parse(envOf(pod));
            assertThat(env.rank()).isEqualTo(rank);
            assertThat(env.worldSize()).isEqualTo(8);
            assertThat(env.jobName()).isEqualTo("gan");
            // The address its peers dial is this pod's own DNS name under the headless Service.
            String self = pod.getSpec().getHostname() + "." + pod.getSpec().getSubdomain() + ".training.svc:"
                    + env.gossipPort();
            assertThat(env.peerAddress(rank)).isEqualTo(self);
        }
    }

    @Test
    void theFilesTheWorkerIsPointedAtAreTheMountedConfigMaps() throws Exception {
        Pod pod = WorkerPod.desired(job, 5);
        WorkerEnvironment env = WorkerEnvironment.parse(envOf(pod));
        Container worker = pod.getSpec().getContainers().get(0);
        assertThat(mountedFrom(worker, env.topologyFile().orElseThrow())).isEqualTo("gan-topology");
        assertThat(mountedFrom(worker, env.configFile().orElseThrow())).isEqualTo("gan-config");
        assertThat(worker.getArgs()).containsExactly("worker");

        JsonNode topology = new ObjectMapper().readTree(TopologyConfigMap.desired(job,
                new TopologyPlanner().plan("Hypercube", 8, 1, 0, 1, List.of())).getData().get(TopologyConfigMap.KEY));
        assertThat(topology.get("workers").asInt()).isEqualTo(env.worldSize());
        assertThat(topology.get("weights")).hasSize(env.worldSize());
        assertThat(topology.get("weights").get(env.rank())).hasSize(env.worldSize());
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
