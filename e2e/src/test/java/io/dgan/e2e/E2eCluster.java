package io.dgan.e2e;

import io.dgan.kube.testkit.KubeCluster;
import io.dgan.kube.testkit.LocalImage;
import io.dgan.kube.testkit.ProcessNode;
import io.dgan.kube.testkit.Waits;
import io.dgan.operator.crd.DecentralizedGANJob;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The cluster the end-to-end suite runs on, started once per test JVM: etcd, kube-apiserver, kube-controller-manager
 * and kube-scheduler built from Go modules, and one {@link ProcessNode} that runs this build's worker and operator
 * jars for the images {@code ghcr.io/dgan/dgan-worker} and {@code ghcr.io/dgan/dgan-operator}.
 */
final class E2eCluster {
    static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    static final Path WORKER_JAR = ROOT.resolve("worker-image/target/dgan-worker.jar");
    static final Path OPERATOR_JAR = ROOT.resolve("operator/target/dgan-operator.jar");
    static final Path FASHION_MNIST = Path.of("/usr/share/datasets/fashion-mnist");
    private static KubeCluster cluster;
    private static ProcessNode node;

    private E2eCluster() {
    }

    static synchronized KubeCluster cluster() {
        if (cluster == null) {
            for (Path jar : List.of(WORKER_JAR, OPERATOR_JAR)) {
                if (!Files.isRegularFile(jar)) throw new IllegalStateException(jar + " missing: run the build's package phase first");
            }
            try {
                cluster = KubeCluster.withControllers(Files.createTempDirectory("dgan-e2e-"));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            trainClassifier(cluster.dir().resolve("cache"));
            node = new ProcessNode(cluster, "process-node-0", 0, images(cluster.dir().resolve("cache"))).start();
            cluster.kubectl("apply", "--server-side", "-f", ROOT.resolve("crds").toString());
            createVolumes(cluster);
            Waits.until(Duration.ofSeconds(60), "node Ready and the CRD served", () -> {
                try {
                    cluster.kubectl("get", "decentralizedganjobs", "-A");
                    return cluster.adminClient().nodes().withName(node.name()).get().getStatus().getConditions()
                            .stream().anyMatch(c -> c.getType().equals("Ready") && c.getStatus().equals("True"));
                } catch (RuntimeException notYet) {
                    return false;
                }
            });
            System.out.println("[real-cluster] Kubernetes " + cluster.serverVersion() + " (kube-apiserver, "
                    + "kube-controller-manager, kube-scheduler) + etcd " + cluster.binaries().etcdVersion()
                    + ", built from Go modules; logs in " + cluster.dir().resolve("logs"));
System.out.println("[real-cluster] nodes: 1 process node (the jobs' pods run as host processes with their own "
                    + "loopback address; see docs/operator.md, \"Testing on a real cluster\"); a real kubelet node: "
                    + "ClusterSuiteTest.aRealKubeletNodeRunsAPod");
        }
        return cluster;
    }

    /**
     * Storage for checkpoint claims: a StorageClass without a provisioner and 16 pre-made PersistentVolumes of 1Gi
     * that the controller manager's volume binder gives to claims (the process node keeps a claim's files across the
     * pods that mount it).
     */
    static void createVolumes(KubeCluster cluster) {
        var admin = cluster.adminClient();
        admin.storage().v1().storageClasses().resource(new io.fabric8.kubernetes.api.model.storage.StorageClassBuilder()
                .withNewMetadata().withName(STORAGE_CLASS).endMetadata().withProvisioner("kubernetes.io/no-provisioner")
                .withVolumeBindingMode("Immediate").build()).create();
        for (int i = 0; i < 16; i++) {
            admin.persistentVolumes().resource(new io.fabric8.kubernetes.api.model.PersistentVolumeBuilder()
                    .withNewMetadata().withName("checkpoints-" + i).endMetadata().withNewSpec()
                    .withStorageClassName(STORAGE_CLASS).addToCapacity("storage", new io.fabric8.kubernetes.api.model.Quantity("1Gi"))
                    .withAccessModes("ReadWriteOnce").withNewHostPath().withPath(cluster.dir().resolve("volumes/" + i).toString())
                    .endHostPath().endSpec().build()).create();
        }
    }

    static final String STORAGE_CLASS = "process-node";

    static ProcessNode node() {
        cluster();
        return node;
    }

    static KubernetesClient admin() {
        return cluster().adminClient();
    }

    /**
     * A small feature classifier (1 epoch on 3,000 images) where the workers look for one, so that evaluations
     * report FID (its values are comparable only between runs with this classifier).
     */
    static void trainClassifier(Path cache) {
        try {
            Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Djava.awt.headless=true", "-jar", WORKER_JAR.toString(), "classifier", "train", "--epochs", "1",
                    "--limit", "3000", "--dir", cache.resolve("classifier/fashion-mnist").toString())
                    .redirectErrorStream(true).redirectOutput(cluster.dir().resolve("logs/classifier.log").toFile()).start();
            if (p.waitFor() != 0) throw new IllegalStateException("classifier training failed: " + cluster.dir().resolve("logs/classifier.log"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Runs the dgan CLI (the worker jar) to its end; its stdout, with stderr in {@code log}. */
    static String dgan(Path log, String... args) {
        List<String> command = new java.util.ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "-Djava.awt.headless=true", "-jar", WORKER_JAR.toString()));
        command.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(command).redirectError(log.toFile()).start();
            String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            if (p.waitFor() != 0) {
                throw new IllegalStateException("dgan " + String.join(" ", args) + " failed: " + Files.readString(log));
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static List<LocalImage> images(Path cache) {
        String java = "java";
        String javacpp = System.getProperty("user.home") + "/.javacpp/cache";
        LocalImage worker = new LocalImage("ghcr.io/dgan/dgan-worker",
                List.of(java, "--add-modules", "ALL-SYSTEM", "-jar", WORKER_JAR.toString()),
                List.of("worker"), Map.of("DGAN_CACHE_DIR", cache.toString(), "JAVA_TOOL_OPTIONS", "-Xmx700m -Djava.awt.headless=true "
                + "-Dorg.bytedeco.javacpp.cachedir=" + javacpp, "DGAN_GOSSIP_PORT", "7070", "DGAN_METRICS_PORT", "9090",
                "OMP_NUM_THREADS", "1", "OPENBLAS_THREAD_TIMEOUT", "4"));
        LocalImage operator = new LocalImage("ghcr.io/dgan/dgan-operator", List.of(java, "-jar", OPERATOR_JAR.toString()),
                List.of(), Map.of("JAVA_TOOL_OPTIONS", "-Xmx256m -XX:TieredStopAtLevel=1"));
        return List.of(worker, operator);
    }

    /** An example from examples/, in namespace {@code ns}, with the changes a test makes. */
    static DecentralizedGANJob example(String file, String ns) {
        try {
            DecentralizedGANJob job = Serialization.unmarshal(Files.readString(ROOT.resolve("examples").resolve(file)),
                    DecentralizedGANJob.class);
            job.getMetadata().setNamespace(ns);
            return job;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
