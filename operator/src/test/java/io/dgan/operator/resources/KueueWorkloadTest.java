package io.dgan.operator.resources;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dgan.operator.TestJobs;
import io.dgan.operator.crd.DecentralizedGANJob;
import io.dgan.operator.reconcile.KueueAdmission;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.TolerationBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The Kueue Workload the operator creates for a queued job, and the Workload status it reads and writes. */
class KueueWorkloadTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final Instant NOW = Instant.parse("2026-12-04T12:00:00Z");

    static DecentralizedGANJob queuedJob() {
        DecentralizedGANJob job = TestJobs.job("gan", 4, "Ring");
        job.getMetadata().setLabels(Map.of("kueue.x-k8s.io/queue-name", "team-a"));
        var worker = job.getSpec().template.getSpec().getContainers().get(0);
        worker.setResources(new io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder()
                .withRequests(Map.of("cpu", new Quantity("500m"), "memory", new Quantity("1Gi")))
                .withLimits(Map.of("nvidia.com/gpu", new Quantity("1"))).build());
        job.getSpec().template.getSpec().setNodeSelector(Map.of("cloud.example.com/gpu", "a100"));
        return job;
    }

    @Test
    void aQueuedJobGetsAWorkloadWithOnePodSetOfAllItsWorkers() {
        GenericKubernetesResource workload = KueueWorkload.desired(queuedJob());
        JsonNode actual = tree(workload);
        ((com.fasterxml.jackson.databind.node.ObjectNode) actual.get("metadata")).remove("annotations");
        assertThat(actual).isEqualTo(yaml("""
                apiVersion: kueue.x-k8s.io/v1beta2
                kind: Workload
                metadata:
                  name: gan-workload
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
                spec:
                  queueName: team-a
                  podSets:
                  - name: workers
                    count: 4
                    template:
                      spec:
                        containers:
                        - name: worker
                          image: ghcr.io/dgan/worker:0.1.0
                          resources:
                            requests:             # a limit without a request counts as one, as on a pod
                              nvidia.com/gpu: "1"
                              cpu: 500m
                              memory: 1Gi
                            limits:
                              nvidia.com/gpu: "1"
                        nodeSelector:
                          cloud.example.com/gpu: a100
                """));
        assertThat(workload.getMetadata().getAnnotations()).containsKey(KueueWorkload.POD_SET_HASH);
    }

    @Test
    void theWorkloadIsReplacedWhenTheWorkersOrTheQueueChangeButNotForAnImmaterialEdit() {
        DecentralizedGANJob job = queuedJob();
        GenericKubernetesResource first = KueueWorkload.desired(job);
        job.getSpec().training.iterations = 5L; // not in the pod set: the same Workload
        assertThat(KueueWorkload.matches(first, KueueWorkload.desired(job))).isTrue();
        job.getSpec().workers = 8;
        assertThat(KueueWorkload.matches(first, KueueWorkload.desired(job))).isFalse();
        job.getSpec().workers = 4;
        job.getMetadata().setLabels(Map.of("kueue.x-k8s.io/queue-name", "team-b"));
        assertThat(KueueWorkload.matches(first, KueueWorkload.desired(job))).isFalse();
    }

    @Test
    void aJobWithoutTheQueueLabelHasNoQueue() {
        assertThat(KueueWorkload.queueName(TestJobs.job("gan", 4, "Ring"))).isNull();
        assertThat(KueueWorkload.queueName(queuedJob())).isEqualTo("team-a");
    }

    // ---- reading Kueue's status ------------------------------------------------------------------------------

    static final String ADMITTED = """
            apiVersion: kueue.x-k8s.io/v1beta2
            kind: Workload
            metadata: {name: gan-workload, namespace: training, generation: 1}
            status:
              admission:
                clusterQueue: cluster-total
                podSetAssignments:
                - name: workers
                  count: 4
                  flavors: {cpu: default-flavor, memory: default-flavor, nvidia.com/gpu: a100}
              conditions:
              - {type: QuotaReserved, status: "True", reason: QuotaReserved, message: Quota reserved in ClusterQueue cluster-total, lastTransitionTime: "2026-12-04T11:00:00Z"}
              - {type: Admitted, status: "True", reason: Admitted, message: The workload is admitted, lastTransitionTime: "2026-12-04T11:00:00Z"}
            """;

    @Test
    void anAdmittedWorkloadNamesItsClusterQueueAndFlavors() {
        KueueAdmission a = KueueAdmission.of(workload(ADMITTED));
        assertThat(a.state()).isEqualTo(KueueAdmission.State.ADMITTED);
        assertThat(a.clusterQueue()).isEqualTo("cluster-total");
        assertThat(a.flavorNames()).containsExactly("default-flavor", "a100");
        assertThat(a.message()).startsWith("admitted by ClusterQueue cluster-total");
    }

    @Test
    void aWorkloadWithoutReservationIsQueuedWithKueuesReason() {
        KueueAdmission a = KueueAdmission.of(workload("""
                apiVersion: kueue.x-k8s.io/v1beta2
                kind: Workload
                metadata: {name: gan-workload, namespace: training}
                status:
                  conditions:
                  - {type: QuotaReserved, status: "False", reason: Pending, message: "couldn't assign flavors to pod set workers: insufficient unused quota for cpu in flavor default-flavor, 2 more needed"}
                """));
        assertThat(a.state()).isEqualTo(KueueAdmission.State.QUEUED);
        assertThat(a.reason()).isEqualTo("QueuedForAdmission");
        assertThat(a.message()).contains("insufficient unused quota");
        assertThat(KueueAdmission.of(workload("{apiVersion: kueue.x-k8s.io/v1beta2, kind: Workload, metadata: {name: w}}"))
                .state()).isEqualTo(KueueAdmission.State.QUEUED);
    }

    @Test
    void anEvictedWorkloadIsClearedForRequeueingOnceItsPodsAreGone() {
        GenericKubernetesResource evicted = workload(ADMITTED.replace("  - {type: Admitted,", "  - {type: Evicted, "
                + "status: \"True\", reason: Preempted, message: Preempted to accommodate a higher priority Workload, "
                + "lastTransitionTime: \"2026-12-04T11:30:00Z\"}\n  - {type: Admitted,"));
        assertThat(KueueAdmission.of(evicted).state()).isEqualTo(KueueAdmission.State.EVICTED);
        assertThat(KueueAdmission.of(evicted).reason()).isEqualTo("Preempted");

        GenericKubernetesResource cleared = KueueAdmission.clearedAdmission(evicted, NOW);
        assertThat(tree(cleared.getAdditionalProperties().get("status"))).isEqualTo(yaml("""
                conditions:
                - {type: QuotaReserved, status: "False", reason: Pending, message: Preempted to accommodate a higher priority Workload, lastTransitionTime: "2026-12-04T12:00:00Z", observedGeneration: 1}
                - {type: Evicted, status: "True", reason: Preempted, message: Preempted to accommodate a higher priority Workload, lastTransitionTime: "2026-12-04T11:30:00Z"}
                - {type: Admitted, status: "False", reason: NoReservation, message: The workload has no reservation, lastTransitionTime: "2026-12-04T12:00:00Z", observedGeneration: 1}
                - {type: Requeued, status: "True", reason: Preempted, message: Preempted to accommodate a higher priority Workload, lastTransitionTime: "2026-12-04T12:00:00Z", observedGeneration: 1}
                """));
        assertThat(KueueAdmission.clearedAdmission(cleared, NOW)).as("nothing left to clear").isNull();
    }

    @Test
    void aFinishedJobMarksItsWorkloadFinishedOnce() {
        GenericKubernetesResource done = KueueAdmission.finished(workload(ADMITTED), true, "the job succeeded", NOW);
        JsonNode conditions = tree(done.getAdditionalProperties().get("status")).get("conditions");
        assertThat(conditions.get(2)).isEqualTo(yaml("""
                {type: Finished, status: "True", reason: Succeeded, message: the job succeeded, lastTransitionTime: "2026-12-04T12:00:00Z", observedGeneration: 1}
                """));
        assertThat(tree(done.getAdditionalProperties().get("status")).get("admission"))
                .as("the admission stays: Kueue releases the quota of a Finished workload").isNotNull();
        assertThat(KueueAdmission.finished(done, true, "again", NOW)).isNull();
        assertThat(KueueAdmission.of(done).state()).isEqualTo(KueueAdmission.State.FINISHED);
    }

    @Test
    void theAdmittedFlavorsPlaceEveryWorker() {
        GenericKubernetesResource a100 = workload("""
                apiVersion: kueue.x-k8s.io/v1beta2
                kind: ResourceFlavor
                metadata: {name: a100}
                spec:
                  nodeLabels: {cloud.example.com/gpu: a100, cloud.example.com/pool: spot}
                  tolerations:
                  - {key: nvidia.com/gpu, operator: Exists, effect: NoSchedule}
                """);
        GenericKubernetesResource admitted = workload(ADMITTED.replace("  conditions:\n", """
                  admissionChecks:
                  - name: provisioning
                    state: Ready
                    message: ""
                    podSetUpdates:
                    - name: workers
                      annotations: {cluster-autoscaler.kubernetes.io/consume-provisioning-request: gan-1}
                  conditions:
                """));
        KueueAdmission.Placement placement = KueueAdmission.flavorPlacement(List.of(a100), admitted, "workers");
        Pod pod = WorkerPod.desired(queuedJob(), 2);
        KueueAdmission.place(pod, placement);
        assertThat(pod.getSpec().getNodeSelector()).containsExactly(Map.entry("cloud.example.com/gpu", "a100"),
                Map.entry("cloud.example.com/pool", "spot"));
        assertThat(pod.getSpec().getTolerations()).containsExactly(new TolerationBuilder().withKey("nvidia.com/gpu")
                .withOperator("Exists").withEffect("NoSchedule").build());
        assertThat(pod.getMetadata().getAnnotations())
                .containsEntry("cluster-autoscaler.kubernetes.io/consume-provisioning-request", "gan-1")
                .containsKey(RestartHash.ANNOTATION);
        assertThat(pod.getMetadata().getLabels()).containsEntry(Labels.RANK, "2");
    }

    static GenericKubernetesResource workload(String text) {
        return Serialization.unmarshal(block(text), GenericKubernetesResource.class);
    }

    /** YAML and objects compared as JSON trees: key order and number types do not matter. */
    static JsonNode yaml(String text) {
        return tree(Serialization.unmarshal(block(text), Map.class));
    }

    /** Flow-style YAML starts with a brace, which Fabric8 would parse as JSON: mark it as a YAML document. */
    static String block(String text) {
        return text.strip().startsWith("{") ? "---\n" + text : text;
    }

    static JsonNode tree(Object o) {
        try {
            return JSON.readTree(Serialization.asJson(o));
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException(e);
        }
    }
}
