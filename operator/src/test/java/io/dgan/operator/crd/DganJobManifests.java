package io.dgan.operator.crd;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Manifests written by {@code dgan job} (the real worker CLI, worker-image/target/dgan-worker.jar, run as a process)
 * for local runs that cover the models, data, graphs, algorithms, losses, seeds and placement flags.
 */
public final class DganJobManifests {
    public static final Path JAR = Path.of("../worker-image/target/dgan-worker.jar");
    private static final ObjectMapper JSON = new ObjectMapper();

    /** workers, topology, algorithm, model, dataset, partition, loss, seed, gossip rounds, dgan job's flags. */
    private static final List<String[]> RUNS = List.of(
            new String[]{"4", "ring", "dp-oadam", "dcgan-small", "fashion-mnist", "iid", "bce", "0", "1", ""},
            new String[]{"8", "random-ring", "rand-dp-oadam", "mlp", "ring8", "iid", "hinge+r1:2", "9", "2", ""},
            new String[]{"8", "hypercube", "dp-oadam", "resnet-wgan-gp+sn", "cifar10", "dirichlet:0.3", "wgan-gp", "4",
                    "1", "--gpus 1 --data-claim cifar10 --checkpoint-size 5Gi --namespace training"},
            new String[]{"6", "torus", "dposg", "dcgan", "mnist", "iid", "wgan-gp:0+r2", "123456789", "1",
                    "--cpu 4 --memory 6Gi --image registry.example/dgan-worker:1"},
            new String[]{"16", "one-peer-hypercube", "cp-oadam", "dcgan+sn", "fashion-mnist", "iid", "ns", "1", "1", ""});

    private DganJobManifests() {
    }

    public static boolean available() {
        return Files.isRegularFile(JAR);
    }

    /** One YAML manifest per run above, each as dgan job printed it. */
    public static List<String> write(Path dir) throws Exception {
        List<String> manifests = new ArrayList<>();
        for (String[] r : RUNS) {
            Path runDir = Files.createDirectories(dir.resolve("run-" + r[1]));
            ObjectNode config = JSON.createObjectNode().put("workers", Integer.parseInt(r[0])).put("topology", r[1])
                    .put("algorithm", r[2]).put("model", r[3]).put("dataset", r[4]).put("dataDir", "/home/me/data")
                    .put("shard", r[5]).put("loss", r[6]).put("batch", 48).put("iterations", 2500).put("lrG", 3e-4)
                    .put("lrD", 1e-4).put("beta1", 0.0).put("beta2", 0.9).put("gossipRounds", Integer.parseInt(r[8]))
                    .put("seed", Long.parseLong(r[7])).put("threadsPerWorker", 0).put("logEvery", 10)
                    .put("evalEvery", 500).put("checkpointEvery", 0).put("evalSamples", 1000)
                    .put("averageMoments", false).put("initialDirection", "zero").put("secondMoment", "local");
            Files.writeString(runDir.resolve("config.json"), config.toString());
            List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                    .toString(), "-jar", JAR.toString(), "job", "--run-dir", runDir.toString()));
            if (!r[9].isEmpty()) {
                command.addAll(List.of(r[9].split(" ")));
            }
            Path err = dir.resolve("job-" + r[1] + ".err");
            Process p = new ProcessBuilder(command).redirectError(err.toFile()).start();
            String yaml = new String(p.getInputStream().readAllBytes());
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).as(Files.readString(err)).isZero();
            manifests.add(yaml);
        }
        return manifests;
    }

    /** Every field of {@code given} is in {@code out} with the same value (numbers by value); out may have more. */
    public static void assertHolds(JsonNode out, JsonNode given, String what) {
        if (given.isObject()) {
            assertThat(out != null && out.isObject()).as(what).isTrue();
            given.fieldNames().forEachRemaining(f -> assertHolds(out.get(f), given.get(f), f + " of " + what));
        } else if (given.isArray()) {
            assertThat(out != null && out.isArray() && out.size() == given.size()).as(what).isTrue();
            for (int i = 0; i < given.size(); i++) {
                assertHolds(out.get(i), given.get(i), "[" + i + "] of " + what);
            }
        } else if (given.isNumber()) {
            assertThat(out != null && out.isNumber()).as(what).isTrue();
            assertThat(out.decimalValue()).as(what).isEqualByComparingTo(given.decimalValue());
        } else {
            assertThat(out).as(what).isEqualTo(given);
        }
    }
}
