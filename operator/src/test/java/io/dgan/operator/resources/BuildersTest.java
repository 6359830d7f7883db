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
    void peerServiceAsStoredByTheServerNeedsNoUpdateUnlessAnOwnedFieldChanged() {
        Service stored = yaml(Service.class, """
                apiVersion: v1
                kind: Service
                """ + META.formatted("gan-peers") + """
                spec:
                  clusterIP: None
                  clusterIPs: [None]
                  ipFamilies: [IPv4]
                  ipFamilyPolicy: SingleStack
                  internalTrafficPolicy: Cluster
                  sessionAffinity: None
                  type: ClusterIP
                  publishNotReadyAddresses: true
                  selector:
                    dgan.io/job: gan
                    dgan.io/role: worker
                  ports:
                  - name: gossip
                    port: 7070
                    protocol: TCP
                    targetPort: 7070
                  - name: metrics
                    port: 9090
                    protocol: TCP
                    targetPort: 9090
                """);
        assertThat(PeerService.hasOwnedFields(stored, PeerService.desired(job))).isTrue();
        job.getSpec().monitoring.metricsPort = 9191;
        assertThat(PeerService.hasOwnedFields(stored, PeerService.desired(job))).isFalse();
        stored.getSpec().setPublishNotReadyAddresses(false);
        job.getSpec().monitoring.metricsPort = 9090;
        assertThat(PeerService.hasOwnedFields(stored, PeerService.desired(job))).isFalse();
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
    void networkPolicyAdmitsMetricsFromTheOperatorsNamespaceAndTheConfiguredSelectors() {
        var policy = new io.dgan.operator.reconcile.ClusterPolicy("dgan-system",
                List.of(Map.of("kubernetes.io/metadata.name", "observability"), Map.of("team", "sre")), Map.of());
        var metricsRule = GossipNetworkPolicy.desired(job, policy).getSpec().getIngress().get(1);
        assertThat(metricsRule.getPorts()).singleElement().satisfies(p -> assertThat(p.getPort().getIntVal()).isEqualTo(9090));
        assertThat(metricsRule.getFrom()).extracting(f -> f.getNamespaceSelector().getMatchLabels()).containsExactly(
                Map.of("kubernetes.io/metadata.name", "dgan-system"),
                Map.of("kubernetes.io/metadata.name", "observability"), Map.of("team", "sre"),
                Map.of("kubernetes.io/metadata.name", "monitoring"));
        assertThat(metricsRule.getFrom()).allSatisfy(f -> assertThat(f.getPodSelector()).isNull());
    }

    @Test
    void podMonitorLabelsComeFromTheOperatorAndTheJobButNeverReplaceTheOperatorsOwn() {
        job.getSpec().monitoring.podMonitorLabels = Map.of("release", "kps", "app.kubernetes.io/managed-by", "me");
        var policy = new io.dgan.operator.reconcile.ClusterPolicy("", List.of(), Map.of("release", "prometheus",
                "tier", "ml"));
        Map<String, String> labels = WorkerPodMonitor.desired(job, policy).getMetadata().getLabels();
        assertThat(labels).containsEntry("release", "kps").containsEntry("tier", "ml")
                .containsEntry("app.kubernetes.io/managed-by", "dgan-operator").containsEntry("dgan.io/job", "gan");
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
        // A rate the spec leaves out is left out here too: the worker takes the preset's.
        assertThat(config.at("/optimizer/lrGenerator").isMissingNode()).isTrue();
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
        assertThat(t.has("weights")).as("no dense W").isFalse();
        double[][] w = decode(t).toArray();
        double[][] expected = {{third, third, 0, third}, {third, third, third, 0}, {0, third, third, third}, {third, 0, third, third}};
        for (int i = 0; i < 4; i++) {
            for (int j = 0; j < 4; j++) {
                assertThat(w[i][j]).as("W[%d][%d]", i, j).isCloseTo(expected[i][j], org.assertj.core.data.Offset.offset(1e-15));
            }
        }
        assertThat(TopologyConfigMap.contractType("OnePeerHypercube")).isEqualTo("one-peer-hypercube");
    }

    static io.dgan.topology.SparseMixingMatrix decode(JsonNode topology) {
        return io.dgan.operator.TopologyJson.matrix(topology);
    }

    @Test
    void theLargestGraphsTheSchemaAdmitsFitTheConfigMapWithMargin() throws Exception {
        // The API server rejects an object over 1 MiB; W used to be a dense M×M array (1 MiB at ~512 ranks).
        // 4,096 ranks of a ring or torus fit too, beyond spec.workers' bound (which the O(M³) analysis sets).
        record Case(String type, int workers, List<Integer> excluded) { }
        List<Case> cases = List.of(new Case("Ring", 1024, List.of(3)), new Case("Exponential", 1024, List.of(5)),
                new Case("Hypercube", 1024, List.of(7)), new Case("Torus", 1024, List.of(1)),
                new Case("Complete", io.dgan.operator.crd.DecentralizedGANJobSpec.MAX_COMPLETE_WORKERS, List.of(2)),
                new Case("OnePeerHypercube", 1024, List.of()), new Case("Ring", 4096, List.of()),
                new Case("Torus", 4096, List.of()));
        for (Case c : cases) {
            var planner = new TopologyPlanner();
            // A plan with ranks cut out carries the rewired W; its size does not need the (dense) spectral figures.
            var plan = c.workers() > 1024 ? new io.dgan.operator.topology.TopologyPlan(c.type(), c.workers(), 3, 1, 0,
                    List.of(), TopologyPlanner.schedule(c.type(), c.workers(), 0).at(1), 0.5, 0.5, true)
                    : planner.plan(c.type(), c.workers(), 1, 0, 3, c.excluded());
            ConfigMap cm = TopologyConfigMap.desired(job, plan);
            int bytes = cm.getData().get("topology.json").getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
            assertThat(bytes).as("%s on %d workers: %d bytes", c.type(), c.workers(), bytes)
                    .isLessThan(TopologyConfigMap.MAX_BYTES / 2);
            if (!TopologyPlanner.isSchedule(c.type())) {
                var decoded = decode(new ObjectMapper().readTree(cm.getData().get("topology.json")));
                for (int i = 0; i < c.workers(); i += 97) {
                    for (int j : plan.matrix().neighbours(i)) {
                        assertThat(decoded.weight(i, j)).isEqualTo(plan.matrix().weight(i, j));
                    }
                    assertThat(decoded.weight(i, i)).isEqualTo(plan.matrix().weight(i, i));
                }
            }
        }
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
                  automountServiceAccountToken: false
                  securityContext:
                    fsGroup: 65532
                    runAsNonRoot: true
                    seccompProfile:
                      type: RuntimeDefault
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
                    - {name: dgan-tmp, mountPath: /tmp}
                    - {name: dgan-checkpoints, mountPath: /checkpoints}
                    - {name: dgan-gossip-tls, mountPath: /var/run/dgan-tls, readOnly: true}
                    readinessProbe:
                      tcpSocket:
                        port: gossip
                      periodSeconds: 5
                    startupProbe:
                      tcpSocket:
                        port: metrics
                      periodSeconds: 5
                      failureThreshold: 60
                    livenessProbe:
                      tcpSocket:
                        port: metrics
                      periodSeconds: 20
                      timeoutSeconds: 5
                      failureThreshold: 3
                    securityContext:
                      allowPrivilegeEscalation: false
                      runAsNonRoot: true
                      readOnlyRootFilesystem: true
                      capabilities:
                        drop: [ALL]
                      seccompProfile:
                        type: RuntimeDefault
                    terminationMessagePolicy: FallbackToLogsOnError
                  volumes:
                  - name: dgan-topology
                    configMap:
                      name: gan-topology
                  - name: dgan-config
                    configMap:
                      name: gan-config
                  - name: dgan-run
                    emptyDir: {}
                  - name: dgan-tmp
                    emptyDir: {}
                  - name: dgan-checkpoints
                    emptyDir: {}
                  - name: dgan-gossip-tls
                    secret:
                      secretName: gan-gossip-tls-2
                      defaultMode: 292
                """.formatted(hash)));
    }

    @Test
    void theRestrictedSecurityContextIsMergedFieldByFieldIntoTheTemplates() {
        var worker = job.getSpec().template.getSpec().getContainers().get(0);
        worker.setSecurityContext(new io.fabric8.kubernetes.api.model.SecurityContextBuilder().withRunAsUser(1000L)
                .withReadOnlyRootFilesystem(false).build());
        job.getSpec().template.getSpec().setSecurityContext(new io.fabric8.kubernetes.api.model.PodSecurityContextBuilder()
                .withFsGroup(2000L).build());
        job.getSpec().template.getSpec().setAutomountServiceAccountToken(true);
        Pod pod = WorkerPod.desired(job, 0);
        var sc = pod.getSpec().getContainers().get(0).getSecurityContext();
        assertThat(sc.getRunAsUser()).isEqualTo(1000L);
        assertThat(sc.getReadOnlyRootFilesystem()).as("the template's choice wins").isFalse();
        assertThat(sc.getAllowPrivilegeEscalation()).isFalse();
        assertThat(sc.getRunAsNonRoot()).isTrue();
        assertThat(sc.getCapabilities().getDrop()).containsExactly("ALL");
        assertThat(sc.getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
        assertThat(pod.getSpec().getSecurityContext().getFsGroup()).isEqualTo(2000L);
        assertThat(pod.getSpec().getAutomountServiceAccountToken()).isTrue();
        assertThat(job.getSpec().template.getSpec().getContainers().get(0).getSecurityContext().getAllowPrivilegeEscalation())
                .as("template untouched").isNull();
    }

    @Test
    void aRetainedCheckpointClaimHasNoOwnerAndTheJobsLabels() {
        var volume = new io.dgan.operator.crd.CheckpointVolumeSpec();
        volume.size = "2Gi";
        volume.whenDeleted = "Retain";
        job.getSpec().training.checkpointVolume = volume;
        var claim = WorkerPod.checkpointClaim(job, 1);
        assertThat(claim.getMetadata().getName()).isEqualTo("gan-checkpoint-1");
        assertThat(claim.getMetadata().getOwnerReferences()).isNullOrEmpty();
        assertThat(claim.getMetadata().getLabels()).containsEntry("dgan.io/job", "gan").containsEntry("dgan.io/rank", "1")
                .containsEntry("app.kubernetes.io/managed-by", "dgan-operator");
        volume.whenDeleted = "Delete";
        assertThat(WorkerPod.checkpointClaim(job, 1).getMetadata().getOwnerReferences()).singleElement()
                .satisfies(o -> assertThat(o.getController()).isTrue());
    }

    @Test
    void aCheckpointVolumeIsOneClaimPerRankMountedAtTheCheckpointDir() {
        var volume = new io.dgan.operator.crd.CheckpointVolumeSpec();
        volume.size = "2Gi";
        volume.storageClassName = "fast-rwo";
        job.getSpec().training.checkpointVolume = volume;
        job.getSpec().training.checkpointDir = "/ckpt";
        Pod pod = WorkerPod.desired(job, 3);
        assertThat(pod.getSpec().getVolumes()).filteredOn(v -> v.getName().equals("dgan-checkpoints")).singleElement()
                .satisfies(v -> assertThat(v.getPersistentVolumeClaim().getClaimName()).isEqualTo("gan-checkpoint-3"));
        assertThat(pod.getSpec().getContainers().get(0).getVolumeMounts())
                .anyMatch(m -> m.getName().equals("dgan-checkpoints") && m.getMountPath().equals("/ckpt"));
        var claim = WorkerPod.checkpointClaim(job, 3);
        assertThat(claim.getMetadata().getName()).isEqualTo("gan-checkpoint-3");
        assertThat(claim.getMetadata().getOwnerReferences()).singleElement()
                .satisfies(o -> assertThat(o.getUid()).isEqualTo("uid-gan"));
        assertThat(claim.getSpec().getAccessModes()).containsExactly("ReadWriteOnce");
        assertThat(claim.getSpec().getStorageClassName()).isEqualTo("fast-rwo");
        assertThat(claim.getSpec().getResources().getRequests().get("storage").toString()).isEqualTo("2Gi");
        // A volume the template itself mounts at the checkpoint dir wins.
        job.getSpec().training.checkpointVolume = null;
        job.getSpec().template.getSpec().getContainers().get(0).setVolumeMounts(List.of(
                new io.fabric8.kubernetes.api.model.VolumeMountBuilder().withName("mine").withMountPath("/ckpt").build()));
        assertThat(WorkerPod.desired(job, 3).getSpec().getVolumes()).noneMatch(v -> v.getName().equals("dgan-checkpoints"));
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
    void theTemplatesTerminationMessageSettingsWinAndACustomPathReachesTheWorker() {
        var worker = job.getSpec().template.getSpec().getContainers().get(0);
        worker.setTerminationMessagePolicy("File");
        worker.setTerminationMessagePath("/var/run/dgan/why");
        var container = WorkerPod.desired(job, 0).getSpec().getContainers().get(0);
        assertThat(container.getTerminationMessagePolicy()).isEqualTo("File");
        assertThat(container.getTerminationMessagePath()).isEqualTo("/var/run/dgan/why");
        assertThat(container.getEnv()).filteredOn(e -> e.getName().equals("DGAN_TERMINATION_MESSAGE_PATH"))
                .singleElement().satisfies(e -> assertThat(e.getValue()).isEqualTo("/var/run/dgan/why"));
        // Kubernetes' default path is the worker's default too: nothing to tell it.
        worker.setTerminationMessagePath("/dev/termination-log");
        assertThat(WorkerPod.desired(job, 0).getSpec().getContainers().get(0).getEnv())
                .noneMatch(e -> e.getName().equals("DGAN_TERMINATION_MESSAGE_PATH"));
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
