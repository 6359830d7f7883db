package io.dgan.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class WorkerEnvironmentTest {
    static Map<String, String> env() {
        Map<String, String> env = new HashMap<>();
        env.put("RANK", "3");
        env.put("WORLD_SIZE", "8");
        env.put("DGAN_JOB_NAME", "gan");
        env.put("DGAN_NAMESPACE", "training");
        env.put("DGAN_PEER_TEMPLATE", "gan-worker-{rank}.gan-peers.training.svc:7070");
        env.put("DGAN_TOPOLOGY_FILE", "/etc/dgan/topology/topology.json");
        return env;
    }

    @Test
    void parsesTheContractsVariablesWithDefaults() {
        WorkerEnvironment w = WorkerEnvironment.parse(env());
        assertThat(w.rank()).isEqualTo(3);
        assertThat(w.worldSize()).isEqualTo(8);
        assertThat(w.gossipPort()).isEqualTo(7070);
        assertThat(w.metricsPort()).isEqualTo(9090);
        assertThat(w.topologyFile()).contains(Path.of("/etc/dgan/topology/topology.json"));
        assertThat(w.peerAddress(5)).isEqualTo("gan-worker-5.gan-peers.training.svc:7070");
    }

    @Test
    void staticPeerListsWorkToo() {
        Map<String, String> env = env();
        env.remove("DGAN_PEER_TEMPLATE");
        env.put("WORLD_SIZE", "2");
        env.put("RANK", "1");
        env.put("DGAN_PEERS", "127.0.0.1:7000, 127.0.0.1:7001");
        assertThat(WorkerEnvironment.parse(env).peerAddress(1)).isEqualTo("127.0.0.1:7001");
    }

    @Test
    void errorsNameTheVariable() {
        assertError(Map.of("RANK", "8"), "RANK must be in 0..7");
        assertError(Map.of("WORLD_SIZE", "zero"), "WORLD_SIZE must be an integer");
        assertError(Map.of("DGAN_JOB_NAME", ""), "DGAN_JOB_NAME is required");
        assertError(Map.of("DGAN_PEER_TEMPLATE", "gan-worker.gan-peers:7070"), "DGAN_PEER_TEMPLATE must contain {rank}");
        assertError(Map.of("DGAN_GOSSIP_PORT", "70000"), "DGAN_GOSSIP_PORT must be in 1..65535");
        assertError(Map.of("DGAN_TOPOLOGY_FILE", "topology.json"), "DGAN_TOPOLOGY_FILE must be an absolute path");
    }

    static void assertError(Map<String, String> change, String message) {
        Map<String, String> env = env();
        env.putAll(change);
        assertThatThrownBy(() -> WorkerEnvironment.parse(env)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith(message);
    }
}
