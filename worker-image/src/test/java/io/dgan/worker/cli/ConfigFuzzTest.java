package io.dgan.worker.cli;

import com.code_intelligence.jazzer.junit.FuzzTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Fuzz targets for the files a worker reads at start and while it runs: the topology file (the operator's ConfigMap,
 * re-read live) and the job configuration. Any input either parses or is refused with an
 * {@link IllegalArgumentException} whose message is one line (what the CLI prints); nothing else may escape. The
 * {@code @FuzzTest}s replay their seed inputs in the default run and are fuzzed by Jazzer under {@code -Pfuzz}; the
 * plain test feeds both a bounded number (2,000) of seeded mutations of valid files on every run.
 */
class ConfigFuzzTest {
    private static final String TOPOLOGY = "{\"epoch\":3,\"type\":\"ring\",\"workers\":4,\"gossipRounds\":1,\"seed\":0,"
            + "\"excludedRanks\":[2],\"memberSince\":[0,0,3,0],\"weights\":[[0.3333333333333333,0.3333333333333333,0,"
            + "0.3333333333333334],[0.3333333333333333,0.6666666666666667,0,0],[0,0,1,0],[0.3333333333333334,0,0,"
            + "0.6666666666666666]]}";
    private static final String JOB = "{\"dataset\":{\"partition\":\"iid\",\"path\":\"/data/fmnist\",\"type\":"
            + "\"fashion-mnist\"},\"model\":{\"latentDim\":100,\"type\":\"dcgan\",\"spectralNorm\":true},"
            + "\"optimizer\":{\"algorithm\":\"dp-oadam\",\"batchSize\":32,\"beta1\":0.5,\"beta2\":0.99,"
            + "\"lrDiscriminator\":4.0E-4,\"lrGenerator\":1.0E-4},\"training\":{\"checkpointDir\":\"/checkpoints\","
            + "\"checkpointEvery\":500,\"evalEvery\":250,\"iterations\":3000}}";
    private static Path scratch;
    private static final String JSON_BYTES = "{}[],:\"-0123456789eE.tfn ";

    private static void assertOneLine(IllegalArgumentException e) {
        assertThat(e.getMessage()).isNotBlank().doesNotContain("\n");
    }

    @FuzzTest(maxDuration = "2m")
    void topologyFile(byte[] bytes) {
        try {
            TopologyFile.parse(new String(bytes, StandardCharsets.UTF_8), Path.of("topology.json"));
        } catch (IllegalArgumentException e) {
            assertOneLine(e);
        }
    }

    /** Found by this target: a file holding JSON {@code null} ended in a NullPointerException. */
    @Test
    void aConfigurationThatIsNotAnObjectIsRefusedInOneLine() throws IOException {
        Path f = Files.createTempFile("dgan-null-config", ".json");
        try {
            Files.writeString(f, "null");
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> JobConfigFile.read(f, 4))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("--config: " + f + ": expected a JSON object");
        } finally {
            Files.deleteIfExists(f);
        }
    }

    /** Found by the topology target: a file declaring 2^31 workers exhausted the heap before any check. */
    @Test
    void aTopologyFileDeclaringAbsurdlyManyWorkersIsRefusedBeforeAnythingIsSizedByIt() {
        String huge = TOPOLOGY.replace("\"workers\":4", "\"workers\":2147483647").replace("\"type\":\"ring\"",
                "\"type\":\"one-peer-hypercube\"");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> TopologyFile.parse(huge, Path.of("topology.json")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'workers' must be in 1..65536");
        // a number past 64 bits is refused, not wrapped around to a plausible count
        String wrapped = TOPOLOGY.replace("\"workers\":4", "\"workers\":18446744073709551620");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> TopologyFile.parse(wrapped, Path.of("topology.json")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'workers' is out of range");
    }

    @FuzzTest(maxDuration = "2m")
    void jobConfig(byte[] bytes) throws IOException {
        if (scratch == null) {
            scratch = Files.createTempFile("dgan-fuzz-config", ".json");
        }
        Files.write(scratch, bytes);
        try {
            JobConfigFile.read(scratch, 4);
        } catch (IllegalArgumentException e) {
            assertOneLine(e);
        }
    }

    @AfterAll
    static void cleanUp() throws IOException {
        if (scratch != null) {
            Files.deleteIfExists(scratch);
        }
    }

    /** Flips, overwrites, deletes and duplicates bytes and truncates: a seeded, bounded stand-in for the fuzzer. */
    private static byte[] mutate(byte[] seed, Random random) {
        byte[] b = seed.clone();
        int edits = 1 + random.nextInt(3);
        for (int e = 0; e < edits && b.length > 0; e++) {
            int at = random.nextInt(b.length);
            switch (random.nextInt(5)) {
                case 0 -> b[at] ^= (byte) (1 << random.nextInt(8));
                case 1 -> b[at] = (byte) JSON_BYTES.charAt(random.nextInt(JSON_BYTES.length()));
                case 2 -> b = java.util.Arrays.copyOf(b, at);
                case 3 -> {
                    int to = Math.min(b.length, at + 1 + random.nextInt(12));
                    byte[] cut = new byte[b.length - (to - at)];
                    System.arraycopy(b, 0, cut, 0, at);
                    System.arraycopy(b, to, cut, at, b.length - to);
                    b = cut;
                }
                default -> {
                    int to = Math.min(b.length, at + 1 + random.nextInt(12));
                    byte[] grown = new byte[b.length + (to - at)];
                    System.arraycopy(b, 0, grown, 0, to);
                    System.arraycopy(b, at, grown, to, b.length - at);
                    b = grown;
                }
            }
        }
        return b;
    }

    @Test
    void boundedMutationsOfValidFilesParseOrFailInOneLine() throws IOException {
        // the seeds themselves are valid
        TopologyFile.parse(TOPOLOGY, Path.of("topology.json"));
        topologyFile(TOPOLOGY.getBytes(StandardCharsets.UTF_8));
        jobConfig(JOB.getBytes(StandardCharsets.UTF_8));
        Random random = new Random(7);
        List<byte[]> seeds = List.of(TOPOLOGY.getBytes(StandardCharsets.UTF_8), JOB.getBytes(StandardCharsets.UTF_8));
        for (int i = 0; i < 2000; i++) {
            byte[] input = mutate(seeds.get(i % 2), random);
            if (i % 2 == 0) {
                topologyFile(input);
            } else {
                jobConfig(input);
            }
        }
    }
}
