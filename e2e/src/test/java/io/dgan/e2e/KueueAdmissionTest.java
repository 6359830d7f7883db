package io.dgan.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.marcnuri.helm.Helm;
import io.dgan.kube.testkit.KubeCluster;
import io.dgan.kube.testkit.ResourceConditions;
import io.dgan.kube.testkit.Waits;
import io.dgan.operator.crd.DecentralizedGANJob;
import io.dgan.operator.resources.KueueWorkload;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Gang admission with Kueue on the real cluster: Kueue's manager (built from its Go module) admits the operator's
 * Workloads from a ClusterQueue whose quota fits exactly one 4-worker job. Of two jobs submitted to it, the second
 * stays suspended with not a single pod until the first has finished and released the quota; then it is admitted
 * as a whole and runs to Succeeded. The operator runs from the chart, with the chart's RBAC.
 */
class KueueAdmissionTest {
    static final String OPERATOR_NS = "dgan-system";
    static final Duration RUN = Duration.ofMinutes(8);
    static KubeCluster cluster;
    static KubernetesClient admin;
    static String kueueVersion;

    @BeforeAll
    static void kueueAndTheChart() {
        cluster = E2eCluster.cluster();
        admin = cluster.adminClient();
        E2eCluster.node();
        if (admin.apps().deployments().inNamespace(OPERATOR_NS).list().getItems().isEmpty()) {
            new Helm(Path.of("../helm/dgan-operator")).install().withName("dgan").withNamespace(OPERATOR_NS)
                    .createNamespace().withKubeConfig(cluster.kubeconfig())
                    .set("progressIntervalSeconds", 5).call();
        }
        kueueVersion = KueueManager.start(cluster);
    }

    @Test
    void theSecondJobWaitsWithNoPodUntilTheFirstFinishesThenRunsAsAWhole() {
        String ns = Jobs.namespace("kueue");
        // cpu quota 1 and 250m per worker: one 4-worker job at a time.
        KueueManager.queue(cluster, "process-node", E2eCluster.node().name(), "gang-" + ns, "1", "4Gi", ns, "gang");
        Instant start = Instant.now();
        admin.resource(queued(ns, "first")).create();
        Waits.until(Duration.ofSeconds(120), "first admitted", () -> ResourceConditions.isTrue(workload(ns, "first"), "Admitted"));
        admin.resource(queued(ns, "second")).create();
        Waits.until(Duration.ofSeconds(60), "second's Workload pending in the queue", () -> {
            GenericKubernetesResource w = workload(ns, "second");
            return w != null && ResourceConditions.of(w).stream().anyMatch(c -> "QuotaReserved".equals(c.get("type"))
                    && "False".equals(c.get("status")));
        });
        Instant firstAdmitted = Instant.now();

        // While the first runs, the second has no pod at all, is Suspended and says why.
        int samples = 0;
        while (!"Succeeded".equals(Jobs.phase(ns, "first"))) {
            assertThat(Jobs.pods(ns, "second")).as("pods of the second job while the first holds the quota").isEmpty();
            assertThat(ResourceConditions.isTrue(workload(ns, "second"), "Admitted")).isFalse();
            if ("Failed".equals(Jobs.phase(ns, "first"))) throw new AssertionError("first Failed: "
                    + Jobs.get(ns, "first").getStatus().message);
            if (Duration.between(firstAdmitted, Instant.now()).compareTo(RUN) > 0) {
                throw new AssertionError("first not Succeeded within " + RUN);
            }
            samples++;
            sleep(500);
        }
        Instant firstDone = Instant.now();
        DecentralizedGANJob second = Jobs.get(ns, "second");
        assertThat(second.getStatus().phase).isIn("Suspended", "Pending", "Running");
        assertThat(Jobs.get(ns, "first").getStatus().conditions).anyMatch(c -> "Admitted".equals(c.getType())
                && "True".equals(c.getStatus()));
        Waits.until(Duration.ofSeconds(60), "first's Workload Finished", () ->
                ResourceConditions.isTrue(workload(ns, "first"), "Finished"));

        // Quota released: the second is admitted and all four start.
        Waits.until(Duration.ofSeconds(120), "second admitted", () -> ResourceConditions.isTrue(workload(ns, "second"), "Admitted"));
        Jobs.awaitPods(ns, "second", "4 workers of the second job", pods -> pods.size() == 4);
        assertThat(Jobs.pods(ns, "second")).allSatisfy(p -> assertThat(p.getSpec().getNodeSelector())
                .as("the admitted flavor's node labels").containsEntry("kubernetes.io/hostname", E2eCluster.node().name()));
        // An eviction: the Workload deactivated while its workers run. Every pod goes, the admission is given back,
        // and when the Workload is active again the job is admitted anew and finishes.
        Jobs.awaitPods(ns, "second", "4 workers of the second job Running", pods -> pods.stream().filter(Jobs::running).count() == 4);
        setActive(ns, "second", false);
        Jobs.awaitPods(ns, "second", "no pod left after the eviction", List::isEmpty);
        Waits.until(Duration.ofSeconds(60), "second Suspended, Admitted=False (Evicted), quota released", () -> {
            DecentralizedGANJob j = Jobs.get(ns, "second");
            GenericKubernetesResource w = workload(ns, "second");
            return "Suspended".equals(j.getStatus().phase) && j.getStatus().conditions.stream().anyMatch(c ->
                    "Admitted".equals(c.getType()) && "Evicted".equals(c.getReason()))
                    && !ResourceConditions.isTrue(w, "QuotaReserved")
                    && !((Map<?, ?>) w.getAdditionalProperties().get("status")).containsKey("admission");
        });
        assertThat(Jobs.get(ns, "second").getStatus().restarts).as("an eviction is not a worker failure").isZero();
        setActive(ns, "second", true);
        Waits.until(Duration.ofSeconds(120), "second admitted again", () -> ResourceConditions.isTrue(workload(ns, "second"), "Admitted"));

        // Suspended by its user: the operator deactivates the Workload itself, and reactivates it on resume.
        Jobs.awaitPods(ns, "second", "4 workers Running again", pods -> pods.stream().filter(Jobs::running).count() == 4);
        edit(ns, "second", true);
        Waits.until(Duration.ofSeconds(90), "suspended: no pod, Workload inactive, quota released", () -> {
            GenericKubernetesResource w = workload(ns, "second");
            return Jobs.pods(ns, "second").isEmpty() && !KueueWorkload.active(w)
                    && !((Map<?, ?>) w.getAdditionalProperties().get("status")).containsKey("admission");
        });
        edit(ns, "second", false);
        Waits.until(Duration.ofSeconds(120), "resumed: Workload active and admitted", () -> {
            GenericKubernetesResource w = workload(ns, "second");
            return KueueWorkload.active(w) && ResourceConditions.isTrue(w, "Admitted");
        });
        Jobs.awaitPhase(ns, "second", "Succeeded", RUN);
        Instant secondDone = Instant.now();
        assertThat(operatorRequestsRefused()).as("requests of the operator's ServiceAccount refused (audit log)").isEmpty();
        Waits.until(Duration.ofSeconds(60), "second's Workload Finished", () ->
                ResourceConditions.isTrue(workload(ns, "second"), "Finished"));
        System.out.println("[real-cluster] Kueue " + kueueVersion + " gang admission: first admitted and Succeeded in "
                + Duration.between(start, firstDone).toSeconds() + " s while the second waited with 0 pods ("
                + samples + " samples); second admitted after the first's Workload Finished and Succeeded "
                + Duration.between(firstDone, secondDone).toSeconds() + " s later, evicted (Workload deactivated), "
                + "suspended and resumed on the way; no request of the operator refused");
    }

    /** A short MLP job of 4 workers, 250m CPU each, in LocalQueue {@code gang}. */
    static DecentralizedGANJob queued(String ns, String name) {
        DecentralizedGANJob job = Jobs.shortMlp(ns, name, 4, 100, 50);
        job.getMetadata().setLabels(Map.of(KueueWorkload.QUEUE_LABEL, "gang"));
        job.getSpec().template.getSpec().getContainers().get(0).setResources(new ResourceRequirementsBuilder()
                .withRequests(Map.of("cpu", new Quantity("250m"), "memory", new Quantity("256Mi"))).build());
        return job;
    }

    /** The user's {@code spec.runPolicy.suspend}, retried on a conflict with the operator's status writes. */
    static void edit(String ns, String job, boolean suspend) {
        for (int attempt = 1; ; attempt++) {
            try {
                admin.resources(DecentralizedGANJob.class).inNamespace(ns).withName(job).edit(j -> {
                    j.getSpec().runPolicy.suspend = suspend;
                    return j;
                });
                return;
            } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
                if (e.getCode() != 409 || attempt >= 20) throw e;
            }
        }
    }

    /** What {@code kubectl patch workload --type merge -p '{"spec":{"active":...}}'} does. */
    static void setActive(String ns, String job, boolean active) {
        admin.genericKubernetesResources(KueueManager.WORKLOADS).inNamespace(ns).withName(KueueWorkload.name(job))
                .patch(io.fabric8.kubernetes.client.dsl.base.PatchContext.of(
                        io.fabric8.kubernetes.client.dsl.base.PatchType.JSON_MERGE), "{\"spec\":{\"active\":" + active + "}}");
    }

    /** Audit log lines of requests the operator's ServiceAccount made and the API server refused (403). */
    static List<String> operatorRequestsRefused() {
        try (var lines = java.nio.file.Files.lines(cluster.auditLog())) {
            return lines.filter(l -> l.contains("system:serviceaccount:" + OPERATOR_NS + ":") && l.contains("\"code\":403"))
                    .toList();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static GenericKubernetesResource workload(String ns, String job) {
        return admin.genericKubernetesResources(KueueManager.WORKLOADS).inNamespace(ns)
                .withName(KueueWorkload.name(job)).get();
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
