package io.dgan.operator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import io.dgan.operator.Eventually;
import io.dgan.operator.MockCluster;
import io.dgan.operator.TestJobs;
import io.dgan.operator.crd.DecentralizedGANJob;
import io.dgan.operator.helm.ChartRbac;
import io.dgan.operator.resources.KueueWorkload;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Gang admission through Kueue's Workload contract, with the operator running on the Fabric8 mock and this test
 * playing Kueue: it writes the Workload's status (admission, eviction) as Kueue's scheduler would.
 */
@EnableKubernetesMockClient(crud = true)
class KueueAdmissionMockTest {
    static final String NS = "training";
    static final Duration WAIT = Duration.ofSeconds(60);
    static final String KUEUE_AGENT = "kueue-manager";
    static KubernetesClient client;
    static KubernetesMockServer server;
    static MockCluster cluster;
    /** Kueue's own client: its requests are told apart from the operator's by user agent. */
    static KubernetesClient kueue;

    @BeforeAll
    static void start() {
        cluster = new MockCluster(client);
        kueue = new KubernetesClientBuilder().withConfig(new ConfigBuilder(client.getConfiguration())
                .withUserAgent(KUEUE_AGENT).build()).build();
        kueue.genericKubernetesResources(KueueWorkload.RESOURCE_FLAVORS).resource(Serialization.unmarshal("""
                apiVersion: kueue.x-k8s.io/v1beta2
                kind: ResourceFlavor
                metadata: {name: a100}
                spec:
                  nodeLabels: {cloud.example.com/gpu: a100}
                  tolerations:
                  - {key: nvidia.com/gpu, operator: Exists, effect: NoSchedule}
                """, GenericKubernetesResource.class)).create();
    }

    @AfterAll
    static void stop() {
        cluster.close();
        kueue.close();
    }

    @Test
    void aQueuedJobCreatesNoPodUntilKueueAdmitsAllItsWorkersThenStartsThemOnTheFlavor() {
        cluster.create(queued("gang", 4));
        GenericKubernetesResource workload = awaitWorkload("gang");
        assertThat(workload.getMetadata().getOwnerReferences()).singleElement()
                .satisfies(o -> assertThat(o.getName()).isEqualTo("gang"));
        Map<String, Object> podSet = podSet(workload);
        assertThat(podSet).containsEntry("name", "workers").containsEntry("count", 4);
        Eventually.await("Suspended, waiting for admission", WAIT, () -> "Suspended".equals(cluster.phase(NS, "gang"))
                && "QueuedForAdmission".equals(reason("gang", JobConditions.ADMITTED)));
        sleep(1500); // several passes at the admission poll: still no pod
        assertThat(cluster.workers(NS, "gang")).isEmpty();
        assertThat(JobConditions.isTrue(cluster.get(NS, "gang").getStatus(), JobConditions.SUSPENDED)).isTrue();

        admit("gang", "a100");
        Eventually.await("4 pods", WAIT, () -> cluster.workers(NS, "gang").size() == 4);
        assertThat(cluster.workers(NS, "gang")).allSatisfy(p -> {
            assertThat(p.getSpec().getNodeSelector()).containsEntry("cloud.example.com/gpu", "a100");
            assertThat(p.getSpec().getTolerations()).anyMatch(t -> "nvidia.com/gpu".equals(t.getKey()));
        });
        cluster.markAllReady(NS, "gang");
        Eventually.await("Running", WAIT, () -> "Running".equals(cluster.phase(NS, "gang")));
        assertThat(JobConditions.isTrue(cluster.get(NS, "gang").getStatus(), JobConditions.ADMITTED)).isTrue();
        assertThat(events("gang")).anyMatch(m -> m.startsWith("WorkloadCreated:"))
                .anyMatch(m -> m.startsWith("Suspended: Suspended=True (QueuedForAdmission): waiting for Kueue to admit all 4"))
                .anyMatch(m -> m.startsWith("Suspended: Suspended=False (Admitted)"))
                .anyMatch(m -> m.startsWith("Admitted: Admitted=True (Admitted): admitted by ClusterQueue cluster-total"));

        for (Pod pod : cluster.workers(NS, "gang")) cluster.terminate(pod, "Succeeded", 0);
        Eventually.await("Succeeded", WAIT, () -> "Succeeded".equals(cluster.phase(NS, "gang")));
        Eventually.await("Workload Finished", WAIT, () -> KueueAdmission.of(workload("gang")).state()
                == KueueAdmission.State.FINISHED);
        assertThat(KueueAdmission.of(workload("gang")).reason()).isEqualTo("Succeeded");
        assertOperatorCallsAreGrantedByTheChart();
    }

    @Test
    void anEvictionRemovesEveryWorkerClearsTheAdmissionAndTheJobWaitsToBeAdmittedAgain() {
        cluster.create(queued("evict", 2));
        awaitWorkload("evict");
        admit("evict", "a100");
        Eventually.await("2 pods", WAIT, () -> cluster.workers(NS, "evict").size() == 2);
        cluster.markAllReady(NS, "evict");
        Eventually.await("Running", WAIT, () -> "Running".equals(cluster.phase(NS, "evict")));

        kueueStatus("evict", status -> conditions(status).add(condition("Evicted", "True", "Preempted",
                "Preempted to accommodate a higher priority Workload")));
        Eventually.await("no pods", WAIT, () -> cluster.workers(NS, "evict").isEmpty());
        Eventually.await("admission cleared", WAIT, () -> {
            Map<String, Object> status = status(workload("evict"));
            return !status.containsKey("admission") && conditions(status).stream().anyMatch(c ->
                    "Requeued".equals(c.get("type")) && "True".equals(c.get("status")));
        });
        Eventually.await("Suspended after the eviction", WAIT, () -> "Suspended".equals(cluster.phase(NS, "evict"))
                && "Evicted".equals(reason("evict", JobConditions.ADMITTED)));
        assertThat(events("evict")).anyMatch(m -> m.startsWith("Evicted: Kueue evicted the Workload (Preempted)"));
        assertThat(cluster.get(NS, "evict").getStatus().restarts).as("not a worker failure").isZero();

        admit("evict", "a100"); // Kueue admits it again: Evicted goes False
        Eventually.await("2 pods again", WAIT, () -> cluster.workers(NS, "evict").size() == 2);
        assertOperatorCallsAreGrantedByTheChart();
    }

    @Test
    void suspendingAnAdmittedJobDeactivatesItsWorkloadAndResumingQueuesItAgain() {
        cluster.create(queued("pause", 2));
        awaitWorkload("pause");
        admit("pause", "a100");
        Eventually.await("2 pods", WAIT, () -> cluster.workers(NS, "pause").size() == 2);

        cluster.edit(NS, "pause", j -> j.getSpec().runPolicy.suspend = true);
        Eventually.await("no pods, Workload inactive", WAIT, () -> cluster.workers(NS, "pause").isEmpty()
                && Boolean.FALSE.equals(spec(workload("pause")).get("active")));
        assertThat(workload("pause").getMetadata().getAnnotations())
                .containsEntry(KueueWorkload.DEACTIVATED_BY_SUSPEND, "true");
        // Kueue evicts the inactive Workload; the operator gives the admission back.
        kueueStatus("pause", status -> conditions(status).add(condition("Evicted", "True", "Deactivated",
                "The workload is deactivated")));
        Eventually.await("admission cleared", WAIT, () -> !status(workload("pause")).containsKey("admission"));
        assertThat(cluster.phase(NS, "pause")).isEqualTo("Suspended");

        cluster.edit(NS, "pause", j -> j.getSpec().runPolicy.suspend = false);
        Eventually.await("Workload active again", WAIT, () -> !spec(workload("pause")).containsKey("active")
                || Boolean.TRUE.equals(spec(workload("pause")).get("active")));
        // An API server removes the key the merge patch sets to null; the mock keeps it as null.
        assertThat(workload("pause").getMetadata().getAnnotations().get(KueueWorkload.DEACTIVATED_BY_SUSPEND)).isNull();
        sleep(1000);
        assertThat(cluster.workers(NS, "pause")).as("queued again: no pod before the new admission").isEmpty();
        admit("pause", "a100");
        Eventually.await("2 pods again", WAIT, () -> cluster.workers(NS, "pause").size() == 2);
        assertOperatorCallsAreGrantedByTheChart();
    }

    @Test
    void aFailedQueuedJobRunsAgainUnderANewWorkloadThatKueueAdmitsAnew() {
        cluster.create(queued("again", 2));
        awaitWorkload("again");
        admit("again", "a100");
        Eventually.await("2 pods", WAIT, () -> cluster.workers(NS, "again").size() == 2);
        cluster.markAllReady(NS, "again");
        cluster.terminate(cluster.pod(NS, "again-worker-0"), "Failed", 3, "rank 0 diverged at iteration 3", null);
        Eventually.await("Failed, its Workload Finished", WAIT, () -> "Failed".equals(cluster.phase(NS, "again"))
                && "Failed".equals(KueueAdmission.of(workload("again")).reason()));
        String finished = workload("again").getMetadata().getUid();

        cluster.edit(NS, "again", j -> j.getSpec().optimizer.lrGenerator = 1e-5);
        Eventually.await("a new Workload, queued", WAIT, () -> {
            GenericKubernetesResource w = workload("again");
            return w != null && !w.getMetadata().getUid().equals(finished) && !status(w).containsKey("admission");
        });
        Eventually.await("Suspended until admitted", WAIT, () -> "Suspended".equals(cluster.phase(NS, "again")));
        assertThat(cluster.workers(NS, "again").stream().filter(p -> p.getMetadata().getDeletionTimestamp() == null))
                .as("no pod before the new admission").isEmpty();
        admit("again", "a100");
        Eventually.await("2 new pods", WAIT, () -> cluster.workers(NS, "again").size() == 2
                && cluster.workers(NS, "again").stream().allMatch(p -> p.getStatus() == null
                || !"Failed".equals(p.getStatus().getPhase())));
        assertOperatorCallsAreGrantedByTheChart();
    }

    @Test
    void scalingAQueuedJobReplacesItsWorkload() {
        cluster.create(queued("grow", 2));
        String first = awaitWorkload("grow").getMetadata().getUid();
        cluster.edit(NS, "grow", j -> j.getSpec().workers = 4);
        Eventually.await("a Workload for 4", WAIT, () -> {
            GenericKubernetesResource w = workload("grow");
            return w != null && !w.getMetadata().getUid().equals(first) && Integer.valueOf(4).equals(podSet(w).get("count"));
        });
        assertThat(cluster.workers(NS, "grow")).isEmpty();
    }

    @Test
    void aJobWithoutTheQueueLabelNeverTouchesKueue() {
        cluster.create(TestJobs.job("plain", 2, "Ring"));
        Eventually.await("2 pods", WAIT, () -> cluster.workers(NS, "plain").size() == 2);
        assertThat(workload("plain")).isNull();
        assertThat(cluster.get(NS, "plain").getStatus().conditions)
                .noneMatch(c -> JobConditions.ADMITTED.equals(c.getType()));
    }

    // ---- Kueue's side --------------------------------------------------------------------------------------------

    static DecentralizedGANJob queued(String name, int workers) {
        DecentralizedGANJob job = TestJobs.job(name, workers, "Ring");
        job.getMetadata().setLabels(Map.of(KueueWorkload.QUEUE_LABEL, "team-a"));
        job.getSpec().template.getSpec().getContainers().get(0).setResources(new ResourceRequirementsBuilder()
                .withRequests(Map.of("cpu", new Quantity("1"))).build());
        return job;
    }

    /** What Kueue's scheduler writes when the pod set fits: quota reserved, admitted, Evicted cleared. */
    static void admit(String job, String flavor) {
        kueueStatus(job, status -> {
            status.put("admission", Map.of("clusterQueue", "cluster-total", "podSetAssignments", List.of(Map.of(
                    "name", "workers", "count", podSet(workload(job)).get("count"), "flavors", Map.of("cpu", flavor)))));
            List<Map<String, Object>> conditions = conditions(status);
            conditions.removeIf(c -> List.of("QuotaReserved", "Admitted", "Evicted").contains(c.get("type")));
            conditions.add(condition("QuotaReserved", "True", "QuotaReserved", "Quota reserved in ClusterQueue cluster-total"));
            conditions.add(condition("Admitted", "True", "Admitted", "The workload is admitted"));
        });
    }

    @SuppressWarnings("unchecked")
    static void kueueStatus(String job, java.util.function.Consumer<Map<String, Object>> change) {
        for (int attempt = 0; ; attempt++) {
            GenericKubernetesResource w = kueue.genericKubernetesResources(KueueWorkload.WORKLOADS).inNamespace(NS)
                    .withName(KueueWorkload.name(job)).get();
            Map<String, Object> status = new java.util.LinkedHashMap<>(status(w));
            List<Map<String, Object>> conditions = new ArrayList<>();
            for (Map<String, Object> c : conditions(status)) conditions.add(new java.util.LinkedHashMap<>(c));
            status.put("conditions", conditions);
            change.accept(status);
            w.getAdditionalProperties().put("status", status);
            try {
                kueue.genericKubernetesResources(KueueWorkload.WORKLOADS).inNamespace(NS).resource(w).updateStatus();
                return;
            } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
                if (e.getCode() != 409 || attempt > 20) throw e;
            }
        }
    }

    static Map<String, Object> condition(String type, String status, String reason, String message) {
        return new java.util.LinkedHashMap<>(Map.of("type", type, "status", status, "reason", reason, "message", message,
                "lastTransitionTime", "2026-12-04T12:00:00Z"));
    }

    static GenericKubernetesResource awaitWorkload(String job) {
        Eventually.await("a Workload for " + job, WAIT, () -> workload(job) != null);
        return workload(job);
    }

    static GenericKubernetesResource workload(String job) {
        return client.genericKubernetesResources(KueueWorkload.WORKLOADS).inNamespace(NS)
                .withName(KueueWorkload.name(job)).get();
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> status(GenericKubernetesResource w) {
        Object s = w.getAdditionalProperties().get("status");
        return s instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
    }

    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> conditions(Map<String, Object> status) {
        Object c = status.get("conditions");
        return c instanceof List<?> l ? (List<Map<String, Object>>) l : new ArrayList<>();
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> spec(GenericKubernetesResource w) {
        return (Map<String, Object>) w.getAdditionalProperties().get("spec");
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> podSet(GenericKubernetesResource w) {
        Map<String, Object> spec = (Map<String, Object>) w.getAdditionalProperties().get("spec");
        return ((List<Map<String, Object>>) spec.get("podSets")).get(0);
    }

    static String reason(String job, String type) {
        DecentralizedGANJob j = cluster.get(NS, job);
        return j == null || j.getStatus() == null ? null
                : JobConditions.find(j.getStatus(), type).map(c -> c.getReason()).orElse(null);
    }

    static List<String> events(String job) {
        return client.v1().events().inNamespace(NS).list().getItems().stream()
                .filter(e -> job.equals(e.getInvolvedObject().getName()))
                .map(e -> e.getReason() + ": " + e.getMessage()).toList();
    }

    /** Every request the operator made on Kueue's objects is one the chart's ClusterRole grants. */
    static void assertOperatorCallsAreGrantedByTheChart() {
        ChartRbac rbac = ChartRbac.render("dgan-system");
        List<ChartRbac.Request> calls = new ArrayList<>();
        try {
            RecordedRequest r;
            while ((r = server.takeRequest(1, TimeUnit.MILLISECONDS)) != null) {
                if (KUEUE_AGENT.equals(r.getHeader("User-Agent"))) continue;
                ChartRbac.request(r.getMethod(), r.getPath()).filter(c -> c.group().equals(KueueWorkload.GROUP))
                        .ifPresent(calls::add);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        assertThat(calls).isNotEmpty();
        assertThat(calls).allSatisfy(c -> assertThat(rbac.allows(c)).as(c.toString()).isTrue());
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
