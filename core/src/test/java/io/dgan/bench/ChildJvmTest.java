package io.dgan.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class ChildJvmTest {
    @Test
    void aChildGetsThisJvmsOptionsButNoDebuggerOrAgent() {
        List<String> parent = List.of("--enable-native-access=ALL-UNNAMED", "-Xmx2g",
                "-agentlib:jdwp=transport=dt_socket,server=y,address=5005", "-javaagent:/opt/jacoco.jar",
                "-Dslf4j.internal.verbosity=ERROR");
        assertEquals(List.of("--enable-native-access=ALL-UNNAMED", "-Xmx2g", "-Dslf4j.internal.verbosity=ERROR"),
                ChildJvm.passedOn(parent));
    }

    @Test
    void theVectorModuleIsLeftOutInEitherSpellingAndNothingElse() {
        List<String> options = List.of("--add-modules=jdk.incubator.vector", "-Xss1m", "--add-modules",
                "jdk.incubator.vector", "--add-modules", "java.sql", "--add-modules=ALL-SYSTEM");
        assertEquals(List.of("-Xss1m", "--add-modules", "java.sql", "--add-modules=ALL-SYSTEM"),
                ChildJvm.withoutVectorModule(options));
    }

    @Test
    void aTrailingAddModulesWithoutItsValueIsKept() {
        assertEquals(List.of("-Xss1m", "--add-modules"),
                ChildJvm.withoutVectorModule(List.of("-Xss1m", "--add-modules")));
    }
}
