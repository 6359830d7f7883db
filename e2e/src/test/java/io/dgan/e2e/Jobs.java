package io.dgan.e2e;

import io.dgan.kube.testkit.Waits;
import io.dgan.operator.crd.DecentralizedGANJob;
import io.fabric8.kubernetes.api.model.HostPathVolumeSourceBuilder;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/** Jobs, namespaces and waits for the end-to-end suite. */
final class Jobs {
    private Jobs() {
    }

    static String namespace(String prefix) {
        String name = prefix + "-" + Long.toString(System.nanoTime() % 1_000_000_000L, 36);
        E2eCluster.admin().namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(name).endMetadata()
                .build()).create();
        return name;
    }

    /**
     * {@code examples/cpu-ring.yaml} made short: {@code iterations} iterations at batch 16, checkpoints every
     * {@code checkpointEvery}, one evaluation at the end; Debian's Fashion-MNIST mounted from the host (the test command installs it).
     */
    static DecentralizedGANJob shortCpuRing(String ns, String name, int workers, long iterations, long checkpointEvery) {
        DecentralizedGANJob job = E2eCluster.example("cpu-ring.yaml", ns);
        job.getMetadata().setName(name);
        job.getSpec().workers = workers;
        job.getSpec().training.iterations = iterations;
        job.getSpec().training.checkpointEvery = checkpointEvery;
        job.getSpec().training.evalEvery = iterations;
        job.getSpec().optimizer.batchSize = 16;
        PodSpec pod = job.getSpec().template.getSpec();
        var worker = pod.getContainers().get(0);
        worker.setResources(null); // the process node does not enforce limits; requests would only limit packing
        // Several workers share the node's cores: one native thread each instead of the example's two.
        worker.setEnv(List.of(new io.fabric8.kubernetes.api.model.EnvVarBuilder().withName("OMP_NUM_THREADS").withValue("1").build()));
        if (Files.isDirectory(E2eCluster.FASHION_MNIST)) {
            List<io.fabric8.kubernetes.api.model.Volume> volumes = pod.getVolumes() == null ? new ArrayList<>() : new ArrayList<>(pod.getVolumes());
            volumes.add(new VolumeBuilder().withName("data").withHostPath(new HostPathVolumeSourceBuilder()
                    .withPath(E2eCluster.FASHION_MNIST.toString()).build()).build());
            pod.setVolumes(volumes);
            // Mounted where it lies on the host and named by that path: the node runs processes without a mount
            // namespace, so a path inside config.json must be the host's (on a real node any path would do).
            worker.setVolumeMounts(List.of(new VolumeMountBuilder().withName("data")
                    .withMountPath(E2eCluster.FASHION_MNIST.toString()).withReadOnly(true).build()));
            job.getSpec().dataset.path = E2eCluster.FASHION_MNIST.toString();
        }
        return job;
    }

    /**
     * As {@link #shortCpuRing}, with the small MLP GAN on the synthetic 2-D mixture instead of the DCGAN on images
     * (a step costs a few milliseconds).
     */
    static DecentralizedGANJob shortMlp(String ns, String name, int workers, long iterations, long checkpointEvery) {
        DecentralizedGANJob job = shortCpuRing(ns, name, workers, iterations, checkpointEvery);
        job.getSpec().model.type = "mlp";
        job.getSpec().dataset.type = "synthetic";
        job.getSpec().optimizer.batchSize = 64;
        return job;
    }

    static DecentralizedGANJob get(String ns, String name) {
        return E2eCluster.admin().resources(DecentralizedGANJob.class).inNamespace(ns).withName(name).get();
    }

    static String phase(String ns, String name) {
        DecentralizedGANJob j = get(ns, name);
        return j == null || j.getStatus() == null ? null : j.getStatus().phase;
    }

    static void awaitPhase(String ns, String name, String phase, Duration timeout) {
        Waits.until(timeout, "job " + ns + "/" + name + " " + phase + " (logs: " + E2eCluster.cluster().dir().resolve("logs") + ")", () -> {
            String now = phase(ns, name);
            if (!phase.equals("Failed") && "Failed".equals(now)) {
                throw new AssertionError("job " + name + " Failed: " + get(ns, name).getStatus().message);
            }
            return phase.equals(now);
        });
    }

    static List<Pod> pods(String ns, String job) {
        return E2eCluster.admin().pods().inNamespace(ns).withLabel("dgan.io/job", job).list().getItems();
    }

    static void awaitPods(String ns, String job, String what, Predicate<List<Pod>> condition) {
        Waits.until(Duration.ofSeconds(180), what, () -> condition.test(pods(ns, job)));
    }

    static boolean running(Pod p) {
        return p.getStatus() != null && "Running".equals(p.getStatus().getPhase()) && p.getMetadata().getDeletionTimestamp() == null;
    }
}
