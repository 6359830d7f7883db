package io.dgan.operator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import io.dgan.operator.Eventually;
import io.dgan.operator.MockCluster;
import io.dgan.operator.crd.DecentralizedGANJob;
import io.dgan.operator.monitoring.PodMonitor;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Every file in examples/ is parsed, validated and reconciled to Running on the mock. */
@EnableKubernetesMockClient(crud = true)
class ExamplesMockTest {
    static final Duration WAIT = Duration.ofSeconds(60); // generous: waits end as soon as the condition holds
    static KubernetesClient client;
    static MockCluster cluster;

    @BeforeAll
    static void start() {
        // The Prometheus Operator's CRD is installed, so the GPU example (podMonitor: true) gets its PodMonitor.
        client.apiextensions().v1().customResourceDefinitions().resource(new CustomResourceDefinitionBuilder()
                .withNewMetadata().withName("podmonitors.monitoring.coreos.com").endMetadata()
                .withNewSpec().withGroup("monitoring.coreos.com").withScope("Namespaced")
                .withNewNames().withKind("PodMonitor").withPlural("podmonitors").endNames()
                .addNewVersion().withName("v1").withServed(true).withStorage(true).endVersion()
                .endSpec().build()).create();
        io.javaoperatorsdk.operator.processing.dependent.workflow.CRDPresentActivationCondition.clearState();
        cluster = new MockCluster(client);
    }

    @AfterAll
    static void stop() {
        cluster.close();
    }

    static List<Path> examples() throws IOException {
        try (Stream<Path> files = Files.list(Path.of("../examples"))) {
            return files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
        }
    }

    @Test
    void theExamplesCoverCpuGpuAndBothAlgorithmsOfThePaper() throws IOException {
        List<DecentralizedGANJob> jobs = examples().stream().map(ExamplesMockTest::load).toList();
        assertThat(jobs).extracting(j -> j.getSpec().optimizer.algorithm)
                .contains("dp-oadam", "rand-dp-oadam", "cp-oadam");
        assertThat(jobs).anySatisfy(j -> assertThat(j.getSpec().template.getSpec().getContainers().get(0)
                .getResources().getLimits()).containsKey("nvidia.com/gpu"));
        for (DecentralizedGANJob job : jobs) {
            assertThat(new SpecValidator().validate(job)).as(job.getMetadata().getName()).isEmpty();
        }
    }

    @Test
    void everyExampleReconcilesToRunning() throws IOException {
        List<DecentralizedGANJob> jobs = examples().stream().map(ExamplesMockTest::load).toList();
        for (DecentralizedGANJob job : jobs) cluster.create(job);
        for (DecentralizedGANJob job : jobs) {
            String ns = job.getMetadata().getNamespace();
            String name = job.getMetadata().getName();
            int workers = job.getSpec().workers;
            Eventually.await(name + " pods", WAIT, () -> cluster.workers(ns, name).size() == workers);
            cluster.markAllReady(ns, name);
            Eventually.await(name + " Running", WAIT, () -> "Running".equals(cluster.phase(ns, name)));
            assertThat(client.services().inNamespace(ns).withName(name + "-peers").get()).isNotNull();
            assertThat(client.configMaps().inNamespace(ns).withName(name + "-topology").get()).isNotNull();
            assertThat(client.configMaps().inNamespace(ns).withName(name + "-config").get()).isNotNull();
            assertThat(client.network().v1().networkPolicies().inNamespace(ns).withName(name + "-gossip").get()).isNotNull();
            boolean wantsMonitor = Boolean.TRUE.equals(job.getSpec().monitoring.podMonitor);
            if (wantsMonitor) {
                Eventually.await(name + " PodMonitor", WAIT, () ->
                        client.resources(PodMonitor.class).inNamespace(ns).withName(name + "-workers").get() != null);
            } else {
                assertThat(client.resources(PodMonitor.class).inNamespace(ns).withName(name + "-workers").get()).isNull();
            }
        }
        Pod gpuWorker = cluster.pod("training", "gpu-hypercube-worker-0");
        assertThat(gpuWorker.getSpec().getContainers().get(0).getVolumeMounts())
                .anyMatch(m -> m.getName().equals("cifar10") && m.getMountPath().equals("/data") && m.getReadOnly());
        assertThat(gpuWorker.getMetadata().getLabels()).containsEntry("team", "gan-research");
        assertThat(cluster.get("training", "gpu-hypercube").getStatus().topology.spectralGap).isEqualTo(0.5); // hypercube M=8: rho = 1/2
    }

    @Test
    void turningMonitoringOffDeletesThePodMonitor() throws IOException {
        DecentralizedGANJob job = load(Path.of("../examples/gpu-hypercube.yaml"));
        job.getMetadata().setName("monitored");
        cluster.create(job);
        Eventually.await("PodMonitor", WAIT, () ->
                client.resources(PodMonitor.class).inNamespace("training").withName("monitored-workers").get() != null);
        PodMonitor monitor = client.resources(PodMonitor.class).inNamespace("training").withName("monitored-workers").get();
        assertThat(monitor.getSpec().podMetricsEndpoints.get(0).interval).isEqualTo("15s");
        assertThat(monitor.getMetadata().getOwnerReferences()).singleElement()
                .satisfies(o -> assertThat(o.getName()).isEqualTo("monitored"));
        cluster.edit("training", "monitored", j -> j.getSpec().monitoring.podMonitor = false);
        Eventually.await("PodMonitor deleted", WAIT, () ->
                client.resources(PodMonitor.class).inNamespace("training").withName("monitored-workers").get() == null);
    }

    static DecentralizedGANJob load(Path file) {
        try {
            return Serialization.unmarshal(Files.readString(file), DecentralizedGANJob.class);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
