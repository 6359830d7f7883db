package io.dgan.operator.resources;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dgan.operator.TestJobs;
import io.dgan.operator.crd.DecentralizedGANJob;
import io.dgan.operator.topology.TopologyPlanner;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Pod;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real `dgan worker` entry point (worker-image, the one local mode uses) started as two processes with the
 * environment of two rendered worker pods and the rendered topology ConfigMap as its topology file. What a pod has
 * and a laptop does not is replaced, and only that: the mount paths point into a temp dir, and the peer DNS name in
 * DGAN_PEER_TEMPLATE becomes a loopback address per rank (127.0.1.<rank>, each rank binding its own).
 *
 * <p>Needs worker-image/target/dgan-worker.jar (built by `./dgan` or `./mvnw -pl worker-image -am package`); the
 * test is skipped, saying so, when it is absent, so the operator module's own build does not build DL4J.
 */
class WorkerProcessTest {
    static final Path JAR = Path.of("../worker-image/target/dgan-worker.jar");

    @TempDir
    Path dir;

    @Test
    void twoRenderedPodsRunTheWorkerEntryPointToTheEnd() throws Exception {
        Assumptions.assumeTrue(Files.isRegularFile(JAR), "worker jar not built: " + JAR.toAbsolutePath());
        // 20 iterations, as the operator renders the job into the training-config ConfigMap.
        runRenderedPods(syntheticMlpJob(20L, 10L, 10L), 20, 120);
    }

    /**
     * The WGAN-GP ResNet with spectral norm, as the operator renders it: CRD fields → training ConfigMap → worker.
     * CIFAR-10 is not on this machine: the test writes a small binary batch set where the job's dataset path says.
     */
    @Test
    void renderedResNetJobWithSpectralNormTrains() throws Exception {
        Assumptions.assumeTrue(Files.isRegularFile(JAR), "worker jar not built: " + JAR.toAbsolutePath());
        Path data = Files.createDirectories(dir.resolve("cifar"));
        java.util.Random rng = new java.util.Random(3);
        for (int f = 1; f <= 5; f++) {
            byte[] b = new byte[4 * 3073];
            rng.nextBytes(b);
            for (int r = 0; r < 4; r++) {
                b[r * 3073] = (byte) rng.nextInt(10);
            }
            Files.write(data.resolve("data_batch_" + f + ".bin"), b);
        }
        DecentralizedGANJob job = TestJobs.job("gan", 2, "Ring");
        job.getSpec().model.type = "resnet-wgan-gp";
        job.getSpec().model.latentDim = 128;
        job.getSpec().model.spectralNorm = true;
        job.getSpec().dataset.type = "cifar10";
        job.getSpec().dataset.path = data.toString();
        job.getSpec().optimizer.batchSize = 2;
        job.getSpec().training.iterations = 1L;
        job.getSpec().training.evalEvery = 1L;
        job.getSpec().training.checkpointEvery = 1L;
        JsonNode rendered = new ObjectMapper().readTree(TrainingConfigMap.desired(job).getData().get(TrainingConfigMap.KEY));
        assertThat(rendered.at("/model/spectralNorm").asBoolean()).isTrue();
        runRenderedPods(job, 1, 540);
        assertThat(Files.readString(dir.resolve("rank-0.err"))).contains("resnet-wgan-gp+sn");
    }

    /**
     * spec.failurePolicy.receiveTimeoutSeconds reaches the worker: with 3 s, a rank whose neighbour stops answering
     * (SIGSTOP: alive, connected, silent) gives it up and exits 1 within seconds, naming the wait, where the worker's
     * default would wait 30 minutes; the operator then applies the failure policy to the pod.
     */
    @Test
    void aHungNeighbourIsGivenUpAfterTheJobsReceiveTimeout() throws Exception {
        Assumptions.assumeTrue(Files.isRegularFile(JAR), "worker jar not built: " + JAR.toAbsolutePath());
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/bin/kill")), "needs /bin/kill to stop a process");
        DecentralizedGANJob job = syntheticMlpJob(10_000_000L, 0L, 10_000_000L);
        job.getSpec().failurePolicy.receiveTimeoutSeconds = 3L;
        List<Process> ranks = startRenderedPods(job);
        try {
            Path progress = dir.resolve("run-0").resolve("metrics.jsonl");
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (!(Files.isRegularFile(progress) && Files.size(progress) > 0) && System.nanoTime() < until) {
                assertThat(ranks.get(0).isAlive()).as(Files.readString(dir.resolve("rank-0.err"))).isTrue();
                Thread.sleep(200);
            }
            assertThat(Files.isRegularFile(progress)).as("rank 0 trains").isTrue();
            assertThat(new ProcessBuilder("/bin/kill", "-STOP", Long.toString(ranks.get(1).pid())).start()
                    .waitFor()).isZero();
            long stopped = System.nanoTime();
            assertThat(ranks.get(0).waitFor(90, TimeUnit.SECONDS)).as("rank 0 gives its silent neighbour up").isTrue();
            long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - stopped);
            String err = Files.readString(dir.resolve("rank-0.err"));
            assertThat(ranks.get(0).exitValue()).as(err).isEqualTo(1);
            assertThat(err).contains("waited 3000 ms");
            assertThat(seconds).as("seconds from SIGSTOP to exit").isLessThan(60);
        } finally {
            for (Process p : ranks) p.destroyForcibly();
        }
    }

    /** The MLP GAN on the synthetic 2-D ring (no dataset volume), 2 ranks: trains here in seconds. */
    private static DecentralizedGANJob syntheticMlpJob(long iterations, long evalEvery, long checkpointEvery) {
        DecentralizedGANJob job = TestJobs.job("gan", 2, "Ring");
        job.getSpec().model.type = "mlp";
        job.getSpec().dataset.type = "synthetic";
        job.getSpec().optimizer.batchSize = 16;
        job.getSpec().training.iterations = iterations;
        job.getSpec().training.evalEvery = evalEvery;
        job.getSpec().training.checkpointEvery = checkpointEvery;
        return job;
    }

    /** Starts the worker jar once per rank with the pod's args and env (addresses on loopback); checks the ends. */
    private void runRenderedPods(DecentralizedGANJob job, long iterations, int timeoutSeconds) throws Exception {
        List<Process> ranks = startRenderedPods(job);
        for (int rank = 0; rank < 2; rank++) {
            Process p = ranks.get(rank);
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.waitFor(timeoutSeconds, TimeUnit.SECONDS)).isTrue();
            String err = Files.readString(dir.resolve("rank-" + rank + ".err"));
            assertThat(p.exitValue()).as(err).isZero();
            JsonNode summary = new ObjectMapper().readTree(out);
            assertThat(summary.get("iterations").asLong()).as(err).isEqualTo(iterations); // from the rendered config
            assertThat(err).contains("ring").contains("2 workers"); // topology from the mounted topology file
            assertThat(summary.get("paramDigests")).isNotEmpty();
        }
    }

    /** The worker jar once per rank with the pod's args and env (addresses on loopback, mounts in the temp dir). */
    private List<Process> startRenderedPods(DecentralizedGANJob job) throws Exception {
        Path topology = dir.resolve("topology.json");
        Files.writeString(topology, TopologyConfigMap.desired(job, new TopologyPlanner().plan("Ring", 2, 1, 0, 1,
                List.of())).getData().get(TopologyConfigMap.KEY));
        Path config = dir.resolve("config.json");
        Files.writeString(config, TrainingConfigMap.desired(job).getData().get(TrainingConfigMap.KEY));

        List<Process> ranks = new ArrayList<>();
        io.fabric8.kubernetes.api.model.Secret ca = GossipTlsSecret.authority(job);
        for (int rank = 0; rank < 2; rank++) {
            Pod pod = WorkerPod.desired(job, rank);
            // The rank's Secret as the kubelet mounts it: one file per key.
            Path tls = Files.createDirectories(dir.resolve("tls-" + rank));
            for (var e : GossipTlsSecret.forRank(job, ca, rank).getData().entrySet()) {
                Files.write(tls.resolve(e.getKey()), java.util.Base64.getDecoder().decode(e.getValue()));
            }
            Map<String, String> env = new HashMap<>();
            for (EnvVar e : pod.getSpec().getContainers().get(0).getEnv()) env.put(e.getName(), e.getValue());
            env.put("DGAN_TOPOLOGY_FILE", topology.toString());
            env.put("DGAN_CONFIG_FILE", config.toString());
            Path runDir = Files.createDirectories(dir.resolve("run-" + rank));
            env.put("DGAN_RUN_DIR", runDir.toString());
            env.put("DGAN_CHECKPOINT_DIR", dir.resolve("ckpt").toString());
            env.put("DGAN_METRICS_PORT", "0");
            assertThat(env).containsEntry("DGAN_TLS_DIR", GossipTlsSecret.MOUNT_DIR);
            env.put("DGAN_TLS_DIR", tls.toString());
            String dns = "gan-worker-{rank}.gan-peers.training.svc";
            assertThat(env.get("DGAN_PEER_TEMPLATE")).startsWith(dns);
            env.put("DGAN_PEER_TEMPLATE", env.get("DGAN_PEER_TEMPLATE").replace(dns, "127.0.1.{rank}"));
            env.put("DGAN_BIND", "127.0.1." + rank);

            List<String> command = new ArrayList<>(List.of(javaBin(), "-jar", JAR.toString()));
            command.addAll(pod.getSpec().getContainers().get(0).getArgs()); // [worker], as the image runs it
            command.addAll(List.of("--json", "--connect-timeout", "60"));
            ProcessBuilder pb = new ProcessBuilder(command).redirectError(dir.resolve("rank-" + rank + ".err").toFile());
            pb.environment().putAll(env);
            ranks.add(pb.start());
        }
        return ranks;
    }

    static String javaBin() {
        return Path.of(System.getProperty("java.home"), "bin", "java" + (File.separatorChar == '\\' ? ".exe" : ""))
                .toString();
    }
}
