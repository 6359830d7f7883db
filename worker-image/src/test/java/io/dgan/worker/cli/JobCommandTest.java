package io.dgan.worker.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.dgan.training.TrainConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code dgan job}: the manifest's model, dataset, optimizer and training sections are what the operator hands the
 * workers as their --config (TrainingConfigMap renders them as they are), so each test reads them back the way a
 * pod's worker does and compares with the run's own config.json.
 */
class JobCommandTest {
    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    @TempDir
    Path dir;

    /** A real dgan train run's config.json, its manifest, and the worker's reading of that manifest. */
    @Test
    void theJobOfARealRunTrainsWhatTheRunTrained() throws Exception {
        Path runDir = dir.resolve("Ring8 run_2");
        CliRun train = CliRun.of("train", "--in-process", "--workers", "2", "--model", "mlp", "--dataset", "ring8",
                "--iterations", "4", "--eval-every", "0", "--seed", "5", "--loss", "hinge+r1:2", "--lr-g", "3e-4",
                "--run-dir", runDir.toString());
        assertThat(train.exitCode()).as(train.err()).isZero();
        TrainConfig run = JsonOutput.mapper().readValue(runDir.resolve("config.json").toFile(), TrainConfig.class);

        CliRun job = CliRun.of("job", "--run-dir", runDir.toString(), "--namespace", "training");
        assertThat(job.exitCode()).as(job.err()).isZero();
        assertThat(job.out()).startsWith("# Trains what " + runDir.resolve("config.json") + " trained");
        JsonNode manifest = YAML.readTree(job.out());
        assertThat(manifest.at("/kind").asText()).isEqualTo("DecentralizedGANJob");
        assertThat(manifest.at("/apiVersion").asText()).isEqualTo("dgan.io/v1alpha1");
        assertThat(manifest.at("/metadata/name").asText()).isEqualTo("ring8-run-2");
        assertThat(manifest.at("/metadata/namespace").asText()).isEqualTo("training");
        assertThat(manifest.at("/spec/dataset/type").asText()).isEqualTo("synthetic");
        assertThat(manifest.at("/spec/optimizer/loss").asText()).isEqualTo("hinge+r1:2");
        assertThat(manifest.at("/spec/training/seed").asLong()).isEqualTo(5);
        assertThat(manifest.at("/spec/topology/seed").asLong()).isEqualTo(5);
        assertThat(manifest.at("/spec/template/spec/containers/0/name").asText()).isEqualTo("worker");
        assertSameTraining(run, manifest);
    }

    /** Models, data, graphs, algorithms, losses, partitions, seeds and the reconstructed choices, drawn at random. */
    @Test
    void everyCombinationARunCanHaveRoundTrips() throws Exception {
        List<String[]> modelsAndData = List.of(new String[]{"mlp", "ring8"}, new String[]{"dcgan", "fashion-mnist"},
                new String[]{"dcgan-small", "mnist"}, new String[]{"resnet-wgan-gp", "cifar10"},
                new String[]{"dcgan+sn", "cifar10"}, new String[]{"dcgan-small+sn", "fashion-mnist"});
        List<String[]> graphs = List.of(new String[]{"dp-oadam", "ring"}, new String[]{"dposg", "torus"},
                new String[]{"rand-dp-oadam", "random-ring"}, new String[]{"cp-oadam", "ring"},
                new String[]{"dp-oadam", "one-peer-hypercube"}, new String[]{"dp-oadam", "random-matching"},
                new String[]{"dposg", "exponential"}, new String[]{"dp-oadam", "complete"},
                new String[]{"rand-dp-oadam", "hypercube"});
        List<String> losses = List.of("bce", "ns", "hinge", "wgan-gp", "wgan-gp:5", "bce+r1:10", "hinge+r2",
                "wgan-gp:0+r1");
        Random rng = new Random(20261208);
        for (int i = 0; i < 300; i++) {
            String[] md = modelsAndData.get(rng.nextInt(modelsAndData.size()));
            String[] graph = graphs.get(rng.nextInt(graphs.size()));
            boolean momentsMayBeGossiped = graph[0].equals("dp-oadam") || graph[0].equals("rand-dp-oadam");
            TrainConfig run = new TrainConfig(List.of(4, 8, 16).get(rng.nextInt(3)), graph[1], graph[0], md[0], md[1],
                    "/somewhere/" + md[1], rng.nextBoolean() ? "iid" : "dirichlet:0.5", losses.get(rng.nextInt(losses.size())),
                    1 + rng.nextInt(256), 1 + rng.nextInt(100_000), 1e-5 * (1 + rng.nextInt(100)),
                    1e-5 * (1 + rng.nextInt(100)), rng.nextInt(10) / 10.0, 0.9 + rng.nextInt(99) / 1000.0,
                    1 + rng.nextInt(3), rng.nextInt(3) == 0 ? 0 : rng.nextLong() & Long.MAX_VALUE, rng.nextInt(5),
                    10, rng.nextInt(3) * 500, rng.nextInt(3) * 250, 1000, null,
                    momentsMayBeGossiped && rng.nextBoolean(), rng.nextBoolean() ? "oracle" : "zero", null,
                    momentsMayBeGossiped && rng.nextBoolean() ? "neighbourhood" : "local");
            assertThat(JobManifest.differences(run)).as(run.toString()).isEmpty();
            JobManifest.Placement where = new JobManifest.Placement("gan", null, null, rng.nextInt(2), null, null,
                    rng.nextBoolean() ? "datasets" : null, rng.nextBoolean() ? "1Gi" : null);
            ObjectNode manifest = JobManifest.manifest(run, where);
            assertSameTraining(run, YAML.readTree(JobManifest.yaml(manifest, "config.json", run, run, where)));
        }
    }

    @Test
    void placementFlagsShapeThePodTemplateAndTheClaims() throws Exception {
        Path config = writeRun(dir.resolve("gpu-run"), "dcgan", "cifar10", "ring", 8);
        CliRun job = CliRun.of("job", "--run-dir", config.toString(), "--gpus", "1", "--memory", "24Gi",
                "--data-claim", "cifar10", "--checkpoint-size", "5Gi", "--name", "cifar-dcgan", "--json");
        assertThat(job.exitCode()).as(job.err()).isZero();
        JsonNode m = job.json();
        assertThat(m.at("/metadata/name").asText()).isEqualTo("cifar-dcgan");
        assertThat(m.at("/spec/dataset/volume").asText()).isEqualTo("data");
        assertThat(m.at("/spec/template/spec/volumes/0/persistentVolumeClaim/claimName").asText()).isEqualTo("cifar10");
        assertThat(m.at("/spec/template/spec/volumes/0/persistentVolumeClaim/readOnly").asBoolean()).isTrue();
        assertThat(m.at("/spec/training/checkpointVolume/size").asText()).isEqualTo("5Gi");
        JsonNode container = m.at("/spec/template/spec/containers/0");
        assertThat(container.at("/image").asText()).isEqualTo(JobManifest.GPU_IMAGE);
        assertThat(container.at("/resources/limits/nvidia.com~1gpu").asText()).isEqualTo("1");
        assertThat(container.at("/resources/limits/memory").asText()).isEqualTo("24Gi");
        assertThat(container.has("env")).as("OMP threads are for CPU workers").isFalse();

        JsonNode cpu = CliRun.of("job", "--run-dir", config.toString(), "--cpu", "1500m", "--json").json();
        assertThat(cpu.at("/spec/template/spec/containers/0/env/0/value").asText()).isEqualTo("1");
        assertThat(cpu.at("/spec/template/spec/containers/0/resources/requests/cpu").asText()).isEqualTo("1500m");
        assertThat(cpu.at("/spec/template/spec/containers/0/resources/limits/cpu").asText()).isEqualTo("1500m");
        assertThat(CliRun.of("job", "--run-dir", config.toString(), "--cpu", "two").err())
                .isEqualTo("dgan job: --cpu: expected a CPU quantity such as 2 or 500m, got 'two'\n");
    }

    /** From a laptop's few workers to a cluster's many: the same training otherwise, and a graph that exists on M. */
    @Test
    void workersAndIterationsCanBeScaled() throws Exception {
        Path config = writeRun(dir.resolve("small"), "dcgan-small", "fashion-mnist", "ring", 1);
        TrainConfig run = JsonOutput.mapper().readValue(config.toFile(), TrainConfig.class);
        CliRun job = CliRun.of("job", "--run-dir", config.toString(), "--workers", "32", "--iterations", "20000");
        assertThat(job.exitCode()).as(job.err()).isZero();
        assertThat(job.out()).contains("# Scaled: 32 workers (the run: 4), 20000 iterations (the run: 100).");
        assertSameTraining(run.withWorkers(32, "ring", "dp-oadam").withIterations(20_000), YAML.readTree(job.out()));

        Path cube = dir.resolve("cube");
        Files.createDirectories(cube);
        Files.writeString(cube.resolve("config.json"), Files.readString(config).replace("\"ring\"", "\"hypercube\""));
        CliRun six = CliRun.of("job", "--run-dir", cube.toString(), "--workers", "6");
        assertThat(six.exitCode()).isEqualTo(2);
        assertThat(six.err().lines()).singleElement().asString().startsWith("dgan job: --workers: ")
                .contains("power of two");
        assertThat(CliRun.of("job", "--run-dir", cube.toString(), "--iterations", "0").err())
                .startsWith("dgan job: --iterations: expected 1 or more, got 0");
    }

    @Test
    void aRunNoJobCanReproduceIsRefusedNamingEachSetting() throws Exception {
        Path grid = writeRun(dir.resolve("grid"), "mlp", "grid25", "graph", 1);
        CliRun refused = CliRun.of("job", "--run-dir", grid.getParent().toString());
        assertThat(refused.exitCode()).isEqualTo(2);
        assertThat(refused.out()).isEmpty();
        assertThat(refused.err().lines()).singleElement().asString()
                .startsWith("dgan job: " + grid + ": a DecentralizedGANJob cannot train what this run trained: ")
                .contains("dataset grid25: a job trains on fashion-mnist, mnist, cifar10 or synthetic (ring8)")
                .contains("topology graph: a job's graph is one of the built-in types");

        Path local = writeRun(dir.resolve("local"), "dcgan", "mnist", "ring", 0);
        assertThat(CliRun.of("job", "--run-dir", local.toString()).err())
                .contains("gossipRounds 0: a job's workers gossip at least once per iteration");

        Path global = dir.resolve("global");
        Files.createDirectories(global);
        Files.writeString(global.resolve("config.json"), Files.readString(local)
                .replaceAll("\"gossipRounds\"\\s*:\\s*0", "\"gossipRounds\":1")
                .replaceAll("\"secondMoment\"\\s*:\\s*\"local\"", "\"secondMoment\":\"global\""));
        assertThat(CliRun.of("job", "--run-dir", global.toString()).err().lines()).singleElement().asString()
                .contains("secondMoment global: a job's is local or neighbourhood");

        Path operators = dir.resolve("operator-config.json");
        Files.writeString(operators, "{\"model\":{\"type\":\"dcgan\"},\"dataset\":{\"type\":\"mnist\"}}");
        assertThat(CliRun.of("job", "--run-dir", operators.toString()).err().lines()).singleElement().asString()
                .contains("this is a job's configuration, written by the operator");

        CliRun missing = CliRun.of("job", "--run-dir", dir.resolve("nothing").toString());
        assertThat(missing.exitCode()).isEqualTo(2);
        assertThat(missing.err().lines()).singleElement().asString().startsWith("dgan job: --run-dir: ");

        Path ok = writeRun(dir.resolve("ok"), "dcgan", "mnist", "ring", 1);
        CliRun badName = CliRun.of("job", "--run-dir", ok.toString(), "--name", "My_Job");
        assertThat(badName.exitCode()).isEqualTo(2);
        assertThat(badName.err().lines()).singleElement().asString().startsWith("dgan job: --name: expected a DNS-1035");
        CliRun badSize = CliRun.of("job", "--run-dir", ok.toString(), "--checkpoint-size", "lots");
        assertThat(badSize.exitCode()).isEqualTo(2);
        assertThat(badSize.err()).startsWith("dgan job: --checkpoint-size: expected a quantity");
    }

    /** What the pod's worker reads from the manifest (TrainingConfigMap: the four sections, as they are). */
    private void assertSameTraining(TrainConfig run, JsonNode manifest) throws Exception {
        JsonNode spec = manifest.get("spec");
        ObjectNode rendered = JsonOutput.mapper().createObjectNode();
        for (String section : List.of("model", "dataset", "optimizer", "training")) {
            rendered.set(section, spec.get(section));
        }
        Path file = Files.writeString(Files.createTempFile(dir, "job", ".json"), rendered.toString());
        TrainConfig job = JobConfigFile.read(file, spec.get("workers").asInt());
        String what = run + "\n" + manifest;
        assertThat(job.workers()).as(what).isEqualTo(run.workers());
        assertThat(List.of(job.algorithm(), job.model(), job.dataset(), job.shard(), job.loss(), job.initialDirection(),
                job.secondMoment())).as(what).isEqualTo(List.of(run.algorithm(), run.model(), run.dataset(), run.shard(),
                run.loss(), run.initialDirection(), run.secondMoment()));
        assertThat(List.of(job.batch(), job.iterations(), job.seed(), job.evalEvery(), job.averageMoments()))
                .as(what).isEqualTo(List.of(run.batch(), run.iterations(), run.seed(), run.evalEvery(), run.averageMoments()));
        assertThat(List.of(job.lrG(), job.lrD(), job.beta1(), job.beta2())).as(what)
                .isEqualTo(List.of(run.lrG(), run.lrD(), run.beta1(), run.beta2()));
        // The graph reaches the workers as the topology file, from spec.topology.
        assertThat(spec.at("/topology/type").asText().replaceAll("([a-z])([A-Z])", "$1-$2").toLowerCase())
                .as(what).isEqualTo(run.topology());
        assertThat(spec.at("/topology/gossipRounds").asInt()).isEqualTo(run.gossipRounds());
        assertThat(spec.at("/topology/seed").asLong()).isEqualTo(run.seed());
    }

    private static Path writeRun(Path runDir, String model, String dataset, String topology, int gossipRounds)
            throws Exception {
        Files.createDirectories(runDir);
        TrainConfig run = new TrainConfig(4, topology, "dp-oadam", model, dataset, null, "iid", "bce", 64, 100, 2e-4,
                2e-4, 0.5, 0.999, gossipRounds, 0, 0, 10, 50, 50, 1000, null, false, "oracle", null, "local");
        Path config = runDir.resolve("config.json");
        Files.writeString(config, JsonOutput.toJson(run));
        return config;
    }
}
