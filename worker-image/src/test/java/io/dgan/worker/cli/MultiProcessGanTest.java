package io.dgan.worker.cli;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A short GAN run (MLP GAN on the ring of 8 Gaussians) by three {@code dgan worker} JVMs gossiping over real gRPC on
 * loopback ends bit-identical to the in-process run (threads over the in-memory transport) with the same seeds:
 * same parameter digests, byte-identical checkpoints (parameters and DP-OAdam state) for every rank.
 */
class MultiProcessGanTest {
    @TempDir
    Path dir;

    @Test
    void threeWorkerProcessesOverGrpcMatchTheInProcessRunBitForBit() throws Exception {
        List<String> common = List.of("train", "--workers", "3", "--model", "mlp", "--dataset", "ring8",
                "--algorithm", "dp-oadam", "--topology", "ring", "--iterations", "30", "--batch", "16",
                "--lr-g", "1e-3", "--lr-d", "2e-3", "--log-every", "10", "--eval-every", "15", "--seed", "3", "--json");
        Path processes = dir.resolve("processes");
        Path threads = dir.resolve("threads");
        List<String> multi = new ArrayList<>(common);
        multi.addAll(List.of("--run-dir", processes.toString()));
        List<String> inProcess = new ArrayList<>(common);
        inProcess.addAll(List.of("--in-process", "--run-dir", threads.toString()));

        CliRun a = CliRun.of(multi.toArray(String[]::new));
        assertThat(a.exitCode()).as(a.err()).isZero();
        CliRun b = CliRun.of(inProcess.toArray(String[]::new));
        assertThat(b.exitCode()).as(b.err()).isZero();

        JsonNode pa = a.json();
        JsonNode pb = b.json();
        assertThat(pa.get("paramDigests")).hasSize(3);
        assertThat(pa.get("paramDigests")).isEqualTo(pb.get("paramDigests"));
        assertThat(pa.get("layoutHash")).isEqualTo(pb.get("layoutHash"));
        for (int r = 0; r < 3; r++) {
            Path ckpt = Path.of("checkpoints", "rank-" + r + "-it30.ckpt");
            assertThat(Files.readAllBytes(processes.resolve(ckpt))).as("rank %d checkpoint", r)
                    .isEqualTo(Files.readAllBytes(threads.resolve(ckpt)));
        }
        // The workers moved apart (decentralized: different minibatches) and the run wrote what the in-process one does.
        assertThat(pa.get("paramDigests").get(0)).isNotEqualTo(pa.get("paramDigests").get(1));
        for (String f : List.of("config.json", "metrics.jsonl", "summary.json", "losses.png", "consensus.png",
                "modesCovered.png", "samples/iter-0000015.png", "samples/iter-0000030.png", "checkpoints/latest.json")) {
            assertThat(processes.resolve(f)).as(f).isNotEmptyFile();
        }
        assertThat(Files.readAllLines(processes.resolve("metrics.jsonl"))).hasSize(4); // 10, 15 (eval), 20, 30
        // Each record splits the mean iteration since the previous one: compute, send, receive, GC, the rest.
        for (String line : Files.readAllLines(processes.resolve("metrics.jsonl"))) {
            JsonNode rec = JsonOutput.mapper().readTree(line);
            for (String f : List.of("computeMs", "sendMs", "receiveMs", "gcMs", "otherMs")) {
                assertThat(rec.get(f).asDouble()).as(f + " in " + line).isGreaterThanOrEqualTo(0);
            }
            assertThat(rec.get("computeMs").asDouble()).as(line).isPositive();
            assertThat(rec.get("receiveMs").asDouble()).as(line).isPositive();
            // compute, send and receive happen one after another on the rank's thread: within the iteration's wall
            double sequential = rec.get("computeMs").asDouble() + rec.get("sendMs").asDouble()
                    + rec.get("receiveMs").asDouble();
            assertThat(sequential).as(line).isLessThanOrEqualTo(rec.get("iterMs").asDouble() * 1.001 + 1e-3);
        }
        assertThat(pa.get("finalEvaluation").get("modesCovered"))
                .isEqualTo(pb.get("finalEvaluation").get("modesCovered"));
        // One progress display (rank 0) with losses, consensus, it/s and ETA; every rank reported done.
        assertThat(a.err()).contains("[it 30/30] G ").contains("consensus").contains("it/s  ETA")
                .contains("[rank 2] done: 30 iterations");
        assertThat(a.err().lines().filter(l -> l.startsWith("[it 30/30]")).count()).isEqualTo(1);
        // dgan train divides the machine's cores among its 3 worker processes (DGAN_THREADS_PER_WORKER).
        int share = Math.max(1, Runtime.getRuntime().availableProcessors() / 3);
        assertThat(a.err()).contains("[rank 0] job ").contains(", " + share + " native thread" + (share == 1 ? "" : "s"))
                .contains("; Java " + Runtime.version().feature() + ", mixing: " + io.dgan.gossip.MixingKernel.bufferPath());
    }

    /**
     * Workers configured as the operator configures them: its job configuration JSON (--config) and its topology
     * file (ring weights as published, 2 gossip rounds, epoch 2), two worker JVMs over gRPC, against the thread
     * runner with the same configuration: the same parameters bit for bit.
     */
    @Test
    void workersConfiguredLikeTheOperatorMatchTheInProcessRun() throws Exception {
        Path job = dir.resolve("job-config.json");
        Files.writeString(job, """
                {"dataset":{"partition":"iid","path":"/data","type":"synthetic"},"model":{"latentDim":100,"type":"mlp"},
                 "optimizer":{"algorithm":"dp-oadam","batchSize":16,"beta1":0.5,"beta2":0.9,"lrDiscriminator":0.002,
                              "lrGenerator":0.001},
                 "training":{"checkpointDir":"/checkpoints","checkpointEvery":6,"evalEvery":6,"iterations":12}}
                """);
        int m = 3;
        io.dgan.topology.MixingSchedule ring = io.dgan.topology.Topologies.create(
                io.dgan.topology.TopologySpec.of("ring", m));
        java.util.Map<String, Object> topo = new java.util.LinkedHashMap<>();
        topo.put("epoch", 2);
        topo.put("type", "ring");
        topo.put("workers", m);
        topo.put("gossipRounds", 2);
        topo.put("seed", 0);
        topo.put("weights", ring.at(1).toArray());
        Path topoFile = dir.resolve("topology.json");
        Files.writeString(topoFile, JsonOutput.toJson(topo));

        io.dgan.training.TrainConfig config = JobConfigFile.read(job, m).withGossipRounds(2);
        io.dgan.training.GanTrainer.Summary threads = new io.dgan.training.GanTrainer(config, dir.resolve("threads"),
                false, new java.io.PrintStream(new java.io.ByteArrayOutputStream())).run();

        java.io.StringWriter log = new java.io.StringWriter();
        Path run = dir.resolve("operator-style");
        // Pods (one worker each) use every core they have; here three share the machine, so give them the thread
        // runner's share (cores / M), as dgan train does, to compare the same float rounding.
        int share = Math.max(1, Runtime.getRuntime().availableProcessors() / m);
        new LocalWorkers(m, List.of("--config", job.toString(), "--topology-file", topoFile.toString()), run,
                new java.io.PrintWriter(log, true), List.of("-Xmx512m"))
                .environment(java.util.Map.of(WorkerCommand.THREADS_ENV, Integer.toString(share))).runToCompletion();
        JsonNode summary = JsonOutput.mapper().readTree(run.resolve("summary.json").toFile());
        assertThat(log.toString()).contains("mlp dp-oadam on ring8 (ring, 3 workers)").contains("[it 12/12]");
        assertThat(summary.get("paramDigests")).hasSize(3);
        for (int r = 0; r < m; r++) {
            assertThat(summary.get("paramDigests").get(r).asText()).as("rank %d", r)
                    .isEqualTo(threads.paramDigests().get(r));
        }
    }

    /**
     * The DCGAN (conv layers) over gRPC processes against the in-process run, both with one native thread per worker
     * (the launcher gives each worker OMP_NUM_THREADS = cores / M; the in-process run gets the same environment
     * here, in its own JVM: libnd4j's conv ops follow OMP_NUM_THREADS, which ND4J's in-process cap does not fully
     * override, and a different native thread count changes the float rounding).
     */
    @Test
    void dcganOverGrpcProcessesMatchesTheInProcessRunWithTheSameNativeThreads() throws Exception {
        Path data = io.dgan.worker.demo.DemoDataset.choose("sample", dir.resolve("no-debian"), dir).dataDir();
        List<String> common = List.of("train", "--workers", "2", "--model", "dcgan-small", "--dataset",
                "fashion-mnist", "--data-dir", data.toString(), "--iterations", "3", "--batch", "8",
                "--log-every", "3", "--threads-per-worker", "1", "--classifier-dir", dir.resolve("none").toString(),
                "--json");
        List<String> multi = new ArrayList<>(common);
        multi.addAll(List.of("--run-dir", dir.resolve("processes").toString()));
        CliRun a = CliRun.of(multi.toArray(String[]::new));
        assertThat(a.exitCode()).as(a.err()).isZero();

        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx1g", "-Djava.awt.headless=true", "-cp", System.getProperty("java.class.path"),
                DganCli.class.getName()));
        cmd.addAll(common);
        cmd.addAll(List.of("--in-process", "--run-dir", dir.resolve("threads").toString()));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD);
        pb.environment().putAll(java.util.Map.of("OMP_NUM_THREADS", "1", "OPENBLAS_NUM_THREADS", "1",
                "MKL_NUM_THREADS", "1"));
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(out).isZero();
        JsonNode threads = JsonOutput.mapper().readTree(out);
        assertThat(a.json().get("paramDigests")).hasSize(2).isEqualTo(threads.get("paramDigests"));
    }

    /** Worker processes checkpoint at 6 and stop; resumed worker processes end equal to 10 iterations straight. */
    @Test
    void workerProcessesResumeFromTheirCheckpointsExactly() throws Exception {
        List<String> common = List.of("train", "--workers", "3", "--model", "mlp", "--dataset", "ring8", "--batch",
                "16", "--log-every", "2", "--json");
        List<String> straight = new ArrayList<>(common);
        straight.addAll(List.of("--iterations", "10", "--in-process", "--run-dir", dir.resolve("straight").toString()));
        List<String> first = new ArrayList<>(common);
        first.addAll(List.of("--iterations", "6", "--run-dir", dir.resolve("split").toString()));
        List<String> resumed = new ArrayList<>(common);
        resumed.addAll(List.of("--iterations", "10", "--resume", "--run-dir", dir.resolve("split").toString()));

        CliRun s = CliRun.of(straight.toArray(String[]::new));
        CliRun a = CliRun.of(first.toArray(String[]::new));
        assertThat(a.exitCode()).as(a.err()).isZero();
        assertThat(a.json().get("paramDigests")).isNotEqualTo(s.json().get("paramDigests"));
        CliRun b = CliRun.of(resumed.toArray(String[]::new));
        assertThat(b.exitCode()).as(b.err()).isZero();
        assertThat(b.json().get("startIteration").asLong()).isEqualTo(6);
        assertThat(b.json().get("paramDigests")).isEqualTo(s.json().get("paramDigests"));
        assertThat(Files.readAllLines(dir.resolve("split/metrics.jsonl"))).hasSize(5); // 2, 4, 6 | 8, 10
    }
}
