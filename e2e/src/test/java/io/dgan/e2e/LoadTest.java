package io.dgan.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.dgan.kube.testkit.KubeCluster;
import io.dgan.kube.testkit.Waits;
import io.dgan.operator.crd.DecentralizedGANJob;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.TolerationBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The operator under load on the real control plane, with kwok nodes (pods are bound, made Running and given an
 * address by kwok; nothing runs in them): many jobs created at once, and one large job. Prints create→Running
 * times for docs/benchmarks.md. The operator runs with the chart's defaults (ClusterSuiteTest installs it; this
 * class installs it too when run alone).
 */
class LoadTest {
    static final int KWOK_NODES = 8;
    static KubernetesClient admin;

    @BeforeAll
    static void kwokNodes() {
        KubeCluster cluster = E2eCluster.cluster();
        admin = cluster.adminClient();
        if (admin.apps().deployments().inNamespace(ClusterSuiteTest.OPERATOR_NS).list().getItems().isEmpty()) {
            ClusterSuiteTest.installTheChart();
        }
        Waits.until(Duration.ofSeconds(180), "an operator leader", () -> ClusterSuiteTest.leader() != null);
        if (admin.nodes().withLabel("type", "kwok").list().getItems().isEmpty()) {
            // kwok hands out pod IPs from a loopback range: the operator's progress reads of Running pods must stay
            // on this machine (connection refused at once).
            cluster.spawn("kwok", List.of(cluster.binaries().path("kwok").toString(), "--kubeconfig=" + cluster.kubeconfig(),
                    "--config=" + cluster.binaries().path("kwok-stages.yaml"),
                    "--manage-all-nodes=false", "--manage-nodes-with-label-selector=type=kwok",
                    "--cidr=127.200.0.1/16", "--node-ip=127.0.0.1", "--server-address=127.0.0.1:" + KubeCluster.freePort()));
            for (int i = 0; i < KWOK_NODES; i++) {
                admin.nodes().resource(new NodeBuilder().withNewMetadata().withName("kwok-node-" + i)
                        .addToLabels("type", "kwok").addToLabels("kubernetes.io/hostname", "kwok-node-" + i)
                        .addToAnnotations("kwok.x-k8s.io/node", "fake").endMetadata()
                        .withNewSpec().addNewTaint().withKey("kwok.x-k8s.io/node").withValue("fake")
                        .withEffect("NoSchedule").endTaint().endSpec()
                        .withNewStatus().addToCapacity("cpu", new io.fabric8.kubernetes.api.model.Quantity("256"))
                        .addToCapacity("memory", new io.fabric8.kubernetes.api.model.Quantity("1Ti"))
                        .addToCapacity("pods", new io.fabric8.kubernetes.api.model.Quantity("1000"))
                        .addToAllocatable("cpu", new io.fabric8.kubernetes.api.model.Quantity("256"))
                        .addToAllocatable("memory", new io.fabric8.kubernetes.api.model.Quantity("1Ti"))
                        .addToAllocatable("pods", new io.fabric8.kubernetes.api.model.Quantity("1000")).endStatus()
                        .build()).create();
            }
            Waits.until(Duration.ofSeconds(60), "kwok nodes Ready", () -> admin.nodes().withLabel("type", "kwok").list()
                    .getItems().stream().filter(n -> n.getStatus().getConditions() != null && n.getStatus().getConditions()
                            .stream().anyMatch(c -> c.getType().equals("Ready") && c.getStatus().equals("True"))).count() == KWOK_NODES);
        }
    }

    @Test
    void fiftyJobsOfFourWorkersReachRunning() {
        String ns = Jobs.namespace("load");
        int jobs = 50;
        Map<String, Instant> created = new ConcurrentHashMap<>();
        List<String> names = new ArrayList<>();
        for (int i = 0; i < jobs; i++) names.add("load-" + i);
        names.parallelStream().forEach(name -> {
            admin.resource(onKwok(ns, name, 4)).create();
            created.put(name, Instant.now());
        });
        Map<String, Duration> toRunning = new HashMap<>();
        Waits.until(Duration.ofSeconds(300), "50 jobs Running", () -> {
            for (DecentralizedGANJob j : admin.resources(DecentralizedGANJob.class).inNamespace(ns).list().getItems()) {
                String name = j.getMetadata().getName();
                if (!toRunning.containsKey(name) && j.getStatus() != null && "Running".equals(j.getStatus().phase)) {
                    toRunning.put(name, Duration.between(created.get(name), Instant.now()));
                }
            }
            return toRunning.size() == jobs;
        });
        List<Long> millis = toRunning.values().stream().map(Duration::toMillis).sorted().toList();
        long median = millis.get(millis.size() / 2);
        long worst = millis.get(millis.size() - 1);
        System.out.printf("[real-cluster] load: %d jobs x 4 workers created at once: create->Running median %.2f s, "
                + "worst %.2f s (observed by polling every <=0.5 s)%n", jobs, median / 1000.0, worst / 1000.0);
        assertThat(toRunning).hasSize(jobs);
        admin.namespaces().withName(ns).delete();
    }

    @Test
    void aJobOf512WorkersReachesRunning() {
        String ns = Jobs.namespace("large");
        Instant start = Instant.now();
        admin.resource(onKwok(ns, "large", 512)).create();
        Jobs.awaitPhase(ns, "large", "Running", Duration.ofSeconds(600));
        System.out.printf("[real-cluster] load: one job of 512 workers create->Running %.1f s%n",
                Duration.between(start, Instant.now()).toMillis() / 1000.0);
        assertThat(Jobs.pods(ns, "large")).hasSize(512);
        admin.namespaces().withName(ns).delete();
    }

    static DecentralizedGANJob onKwok(String ns, String name, int workers) {
        DecentralizedGANJob job = E2eCluster.example("cpu-ring.yaml", ns);
        job.getMetadata().setName(name);
        job.getSpec().workers = workers;
        var pod = job.getSpec().template.getSpec();
        pod.setNodeSelector(Map.of("type", "kwok"));
        pod.setTolerations(List.of(new TolerationBuilder().withKey("kwok.x-k8s.io/node").withOperator("Exists")
                .withEffect("NoSchedule").build()));
        pod.getContainers().get(0).setResources(null);
        return job;
    }
}
