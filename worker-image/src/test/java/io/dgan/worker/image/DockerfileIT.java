package io.dgan.worker.image;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.JarFile;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * No Docker engine here, so the Dockerfiles are checked for what can be checked without one: the base image, that
 * every COPY source exists after {@code package} (this runs in the integration-test phase), and that the entrypoint
 * runs the jar whose manifest starts the dgan CLI with its lib/ classpath.
 */
class DockerfileIT {
    private static final Path MODULE = Path.of(System.getProperty("basedir", "."));

    @ParameterizedTest
    @ValueSource(strings = {"Dockerfile", "Dockerfile.cuda"})
    void dockerfileCopiesWhatPackageBuildsAndRunsTheCli(String name) throws IOException {
        List<String> lines = logicalLines(MODULE.resolve(name));

        String from = lines.stream().filter(l -> l.startsWith("FROM ")).findFirst().orElseThrow();
        if (name.endsWith(".cuda")) {
            assertThat(from).as("GPU image base").startsWith("FROM nvidia/cuda:11.6");
        } else {
            assertThat(from).as("CPU image base").startsWith("FROM eclipse-temurin:25-jre");
        }

        List<String> copySources = new ArrayList<>();
        Pattern copy = Pattern.compile("^COPY\\s+(\\S+)\\s+(\\S+)$");
        for (String l : lines) {
            Matcher m = copy.matcher(l);
            if (m.matches()) {
                copySources.add(m.group(1));
            }
        }
        assertThat(copySources).contains("target/dgan-worker.jar", "target/lib/");
        for (String src : copySources) {
            assertThat(MODULE.resolve(src)).as("COPY source %s (relative to the build context worker-image/)", src)
                    .exists();
        }

        assertThat(lines).contains(name.endsWith(".cuda")
                ? "ENTRYPOINT [\"java\", \"-jar\", \"/opt/dgan/dgan-worker.jar\"]"
                // resolves the incubator module of the mixing kernel's vector path where the runtime has it
                : "ENTRYPOINT [\"java\", \"--add-modules\", \"ALL-SYSTEM\", \"-jar\", \"/opt/dgan/dgan-worker.jar\"]");
        assertThat(lines).contains("CMD [\"worker\"]");
        assertThat(lines.stream().filter(l -> l.startsWith("USER ")).findFirst()).hasValueSatisfying(
                u -> assertThat(u).as("runs as non-root").doesNotContain("root").isNotEqualTo("USER 0"));

        try (JarFile jar = new JarFile(MODULE.resolve("target/dgan-worker.jar").toFile())) {
            var attrs = jar.getManifest().getMainAttributes();
            assertThat(attrs.getValue("Main-Class")).isEqualTo("io.dgan.worker.cli.DganCli");
            for (String entry : attrs.getValue("Class-Path").split(" ")) {
                assertThat(MODULE.resolve("target").resolve(entry)).as("manifest Class-Path entry").exists();
            }
            // Exactly one jar of ND4J natives (two would be 255 MB, and JavaCPP would load either of them).
            List<String> natives = java.util.Arrays.stream(attrs.getValue("Class-Path").split(" "))
                    .filter(e -> e.matches("lib/nd4j-(native|cuda-[0-9.]+)-[0-9][0-9A-Za-z.-]*-linux-x86_64[^/]*\\.jar")).toList();
            assertThat(natives).as("ND4J native jars on the worker's classpath").hasSize(1);
            if (natives.get(0).startsWith("lib/nd4j-native-")) {
                assertThat(natives.get(0)).as("the shipped CPU natives").endsWith("-linux-x86_64-onednn-avx2.jar");
            }
        }
    }

    /** Dockerfile lines with continuations joined and comments dropped. */
    private static List<String> logicalLines(Path file) throws IOException {
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        for (String raw : Files.readAllLines(file)) {
            String line = raw.strip();
            if (line.startsWith("#") || line.isEmpty()) {
                continue;
            }
            if (line.endsWith("\\")) {
                cur.append(line, 0, line.length() - 1).append(' ');
                continue;
            }
            cur.append(line);
            out.add(cur.toString().replaceAll("\\s+", " ").strip());
            cur.setLength(0);
        }
        return out;
    }
}
