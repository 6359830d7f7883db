package io.dgan.operator.resources;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dgan.operator.TestJobs;
import io.dgan.operator.crd.DecentralizedGANJob;
import io.dgan.operator.monitoring.PodMonitor;
import io.dgan.operator.topology.TopologyPlanner;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.TolerationBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Each builder against the YAML it must produce. The owner reference and labels are the same everywhere. */
class BuildersTest {
    static final String META = """
            metadata:
              name: %s
              namespace: training
              labels:
                app.kubernetes.io/name: dgan
                app.kubernetes.io/managed-by: dgan-operator
                dgan.io/job: gan
              ownerReferences:
              - apiVersion: dgan.io/v1alpha1
                kind: DecentralizedGANJob
                name: gan
                uid: uid-gan
                controller: true
                blockOwnerDeletion: true
            """;

    final DecentralizedGANJob job = TestJobs.job("gan", 4, "Ring");

    @Test
    void peerServiceIsHeadlessAndPublishesNotReadyAddresses() {
        assertThat(PeerService.desired(job)).isEqualTo(yaml(Service.class, """
                apiVersion: v1
                kind: Service
                """ + META.formatted("gan-peers") + """
                spec:
                  clusterIP: None
                  publishNotReadyAddresses: true
                  selector:
                    dgan.io/job: gan
                    dgan.io/role: worker
                  ports:
                  - name: gossip
                    port: 7070
                    protocol: TCP
                  - name: metrics
                    port: 9090
                    protocol: TCP
                """));
    }

    @Test
    void networkPolicyAdmitsGossipFromTheJobAndMetricsFromMonitoring() {
        assertThat(GossipNetworkPolicy.desired(job)).isEqualTo(yaml(NetworkPolicy.class, """
                apiVersion: networking.k8s.io/v1
                kind: NetworkPolicy
                """ + META.formatted("gan-gossip") + """
                spec:
                  podSelector:
                    matchLabels:
                      dgan.io/job: gan
                      dgan.io/role: worker
                  policyTypes: [Ingress]
                  ingress:
                  - from:
                    - podSelector:
                        matchLabels:
                          dgan.io/job: gan
                          dgan.io/role: worker
                    ports:
                    - port: 7070
                      protocol: TCP
                  - from:
                    - namespaceSelector:
                        matchLabels:
                          kubernetes.io/metadata.name: monitoring
                    ports:
                    - port: 9090
                      protocol: TCP
                """));
    }

    @Test
    void podMonitorScrapesTheWorkersMetricsPort() {
        assertThat(Serialization.asYaml(WorkerPodMonitor.desired(job))).isEqualTo(Serialization.asYaml(
                yaml(PodMonitor.class, """
                apiVersion: monitoring.coreos.com/v1
                kind: PodMonitor
                """ + META.formatted("gan-workers") + """
                spec:
                  selector:
                    matchLabels:
                      dgan.io/job: gan
                      dgan.io/role: worker
                  podMetricsEndpoints:
                  - port: metrics
                    path: /metrics
                    interval: 30s
                    honorLabels: true
                """)));
    }

    @Test
    void trainingConfigMapCarriesTheTrainingSectionsAsJson() throws Exception {
        ConfigMap cm = TrainingConfigMap.desired(job);
        assertThat(cm.getMetadata()).isEqualTo(yaml(ConfigMap.class, META.formatted("gan-config")).getMetadata());
        JsonNode config = new ObjectMapper().readTree(cm.getData().get("config.json"));
        assertThat(config.at("/model/type").asText()).isEqualTo("dcgan");
        assertThat(config.at("/dataset/type").asText()).isEqualTo("fashion-mnist");
        assertThat(config.at("/optimizer/algorithm").asText()).isEqualTo("dp-oadam");
        assertThat(config.at("/optimizer/lrGenerator").asDouble()).isEqualTo(2e-4);
        assertThat(config.at("/training/iterations").asLong()).isEqualTo(20000);
    }

    @Test
    void topologyConfigMapFollowsTheWorkerContract() throws Exception {
        ConfigMap cm = TopologyConfigMap.desired(job, new TopologyPlanner().plan("Ring", 4, 1, 0, 1, List.of()));
        assertThat(cm.getMetadata().getName()).isEqualTo("gan-topology");
        assertThat(cm.getMetadata().getAnnotations()).containsEntry("dgan.io/topology-epoch", "1");
        JsonNode t = new ObjectMapper().readTree(cm.getData().get("topology.json"));
        assertThat(t.get("epoch").asLong()).isEqualTo(1);
        assertThat(t.get("type").asText()).isEqualTo("ring");
        assertThat(t.get("workers").asInt()).isEqualTo(4);
        assertThat(t.get("gossipRounds").asInt()).isEqualTo(1);
        assertThat(t.get("connected").asBoolean()).isTrue();
        assertThat(t.get("rho").asDouble()).isCloseTo(1.0 / 3, org.assertj.core.data.Offset.offset(1e-9));
        double third = 1.0 / 3;
        double[][] w = new ObjectMapper().convertValue(t.get("weights"), double[][].class);
        double[][] expected = {{third, third, 0, third}, {third, third, third, 0}, {0, third, third, third}, {third, 0, third, third}};
        for (int i = 0; i < 4; i++) {
            for (int j = 0; j < 4; j++) {
                assertThat(w[i][j]).as("W[%d][%d]", i, j).isCloseTo(expected[i][j], org.assertj.core.data.Offset.offset(1e-15));
            }
        }
        assertThat(TopologyConfigMap.contractType("OnePeerHypercube")).isEqualTo("one-peer-hypercube");
    }

    @Test
    void workerPodCarriesRankIdentityContractEnvAndMounts() {
        job.getSpec().template.getSpec().getContainers().get(0).setResources(
                new io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder()
                        .addToLimits("nvidia.com/gpu", new Quantity("1")).build());
        job.getSpec().template.getSpec().setNodeSelector(Map.of("accelerator", "a100"));
        job.getSpec().template.getSpec().setTolerations(List.of(new TolerationBuilder().withKey("nvidia.com/gpu")
                .withOperator("Exists").withEffect("NoSchedule").build()));
        Pod pod = WorkerPod.desired(job, 2);
        String hash = RestartHash.of(job.getSpec());
        assertThat(pod).isEqualTo(yaml(Pod.class, """
                apiVersion: v1
                kind: Pod
                metadata:
                  name: gan-worker-2
                  namespace: training
                  labels:
                    app.kubernetes.io/name: dgan
                    app.kubernetes.io/managed-by: dgan-operator
                    dgan.io/job: gan
                    dgan.io/role: worker
                    dgan.io/rank: "2"
                  annotations:
                    dgan.io/restart-hash: "%s"
                  ownerReferences:
                  - apiVersion: dgan.io/v1alpha1
                    kind: DecentralizedGANJob
                    name: gan
                    uid: uid-gan
                    controller: true
                    blockOwnerDeletion: true
                spec:
                  hostname: gan-worker-2
                  subdomain: gan-peers
                  restartPolicy: Never
                  nodeSelector:
                    accelerator: a100
                  tolerations:
                  - key: nvidia.com/gpu
                    operator: Exists
                    effect: NoSchedule
                  containers:
                  - name: worker
                    image: ghcr.io/dgan/worker:0.1.0
                    args: [worker]
                    resources:
                      limits:
                        nvidia.com/gpu: "1"
                    env:
                    - {name: RANK, value: "2"}
                    - {name: WORLD_SIZE, value: "4"}
                    - {name: DGAN_JOB_NAME, value: gan}
                    - {name: DGAN_NAMESPACE, value: training}
                    - {name: DGAN_PEER_TEMPLATE, value: "gan-worker-{rank}.gan-peers.training.svc:7070"}
                    - {name: DGAN_GOSSIP_PORT, value: "7070"}
                    - {name: DGAN_METRICS_PORT, value: "9090"}
                    - {name: DGAN_TOPOLOGY_FILE, value: /etc/dgan/topology/topology.json}
                    - {name: DGAN_CONFIG_FILE, value: /etc/dgan/config/config.json}
                    - {name: DGAN_RUN_DIR, value: /var/run/dgan}
                    - {name: DGAN_CHECKPOINT_DIR, value: /checkpoints}
                    - {name: DGAN_TLS_DIR, value: /var/run/dgan-tls}
                    ports:
                    - {name: gossip, containerPort: 7070, protocol: TCP}
                    - {name: metrics, containerPort: 9090, protocol: TCP}
                    volumeMounts:
                    - {name: dgan-topology, mountPath: /etc/dgan/topology, readOnly: true}
                    - {name: dgan-config, mountPath: /etc/dgan/config, readOnly: true}
                    - {name: dgan-run, mountPath: /var/run/dgan}
                    - {name: dgan-gossip-tls, mountPath: /var/run/dgan-tls, readOnly: true}
                    readinessProbe:
                      tcpSocket:
                        port: gossip
                      periodSeconds: 5
                    securityContext:
                      allowPrivilegeEscalation: false
                      runAsNonRoot: true
                      capabilities:
                        drop: [ALL]
                      seccompProfile:
                        type: RuntimeDefault
                  volumes:
                  - name: dgan-topology
                    configMap:
                      name: gan-topology
                  - name: dgan-config
                    configMap:
                      name: gan-config
                  - name: dgan-run
                    emptyDir: {}
                  - name: dgan-gossip-tls
                    secret:
                      secretName: gan-gossip-tls-2
                      defaultMode: 292
                """.formatted(hash)));
    }

    @Test
    void workerPodOverridesContractEnvFromTheTemplateButKeepsTheRest() {
        job.getSpec().template.getSpec().getContainers().get(0).setEnv(List.of(
                new io.fabric8.kubernetes.api.model.EnvVar("RANK", "99", null),
                new io.fabric8.kubernetes.api.model.EnvVar("OMP_NUM_THREADS", "4", null)));
        Pod pod = WorkerPod.desired(job, 1);
        var env = pod.getSpec().getContainers().get(0).getEnv();
        assertThat(env).filteredOn(e -> e.getName().equals("RANK")).singleElement()
                .satisfies(e -> assertThat(e.getValue()).isEqualTo("1"));
        assertThat(env).anyMatch(e -> e.getName().equals("OMP_NUM_THREADS") && e.getValue().equals("4"));
        assertThat(job.getSpec().template.getSpec().getContainers().get(0).getEnv()).hasSize(2); // template untouched
    }

    @Test
    void restartHashIgnoresWorkersAndTopologyButNotTheImage() {
        String hash = RestartHash.of(job.getSpec());
        job.getSpec().workers = 8;
        job.getSpec().topology.type = "Hypercube";
        assertThat(RestartHash.of(job.getSpec())).isEqualTo(hash);
        job.getSpec().template.getSpec().getContainers().get(0).setImage("other:1");
        assertThat(RestartHash.of(job.getSpec())).isNotEqualTo(hash);
    }

    static <T> T yaml(Class<T> type, String text) {
        return Serialization.unmarshal(text, type);
    }
}
