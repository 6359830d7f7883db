package io.dgan.worker.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** What the workers of a local run write to stderr reaches the console, but for the JDK's repeated module warning. */
class LocalWorkersConsoleTest {
    @Test
    void workersGivenTheVectorModuleDoNotRepeatTheJdksIncubatorWarning(@TempDir Path dir) throws Exception {
        StringWriter log = new StringWriter();
        // The module is passed explicitly: this test JVM may run without it (the launcher's JVM has it).
        LocalWorkers launcher = new LocalWorkers(2, List.of("--game", "bilinear", "--dim", "4", "--algorithm",
                "dposg", "--iterations", "20"), dir, new PrintWriter(log, true),
                List.of("-XX:+UseSerialGC", "-Xmx128m", "--add-modules=jdk.incubator.vector"));

        float[][][] params = launcher.run(new int[] {4, 4});

        assertThat(params).hasNumberOfRows(2);
        assertThat(log.toString()).as("the workers' own lines are shown").contains("[rank 0]").contains("[rank 1]")
                .doesNotContain("Using incubator modules");
    }

    @Test
    void onlyTheIncubatorWarningIsLeftOut() {
        assertThat(LocalWorkers.shownOnConsole(LocalWorkers.INCUBATOR_WARNING)).isFalse();
        assertThat(LocalWorkers.shownOnConsole("WARNING: Using incubator modules: jdk.incubator.foreign")).isTrue();
        assertThat(LocalWorkers.shownOnConsole("WARNING: A restricted method in java.lang.System has been called"))
                .isTrue();
        assertThat(LocalWorkers.shownOnConsole("[rank 1] failed: timed out")).isTrue();
    }
}
