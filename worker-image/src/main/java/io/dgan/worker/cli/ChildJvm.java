package io.dgan.worker.cli;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The command that runs the dgan CLI in a child JVM like this one: same java, options and class path. */
final class ChildJvm {
    private ChildJvm() {
    }

    /** {@code java <this JVM's options, debugger and agents left out> -cp <class path> io.dgan.worker.cli.DganCli}. */
    static List<String> dganCommand() {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (!arg.startsWith("-agentlib:jdwp") && !arg.startsWith("-javaagent")) {
                cmd.add(arg);
            }
        }
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), DganCli.class.getName()));
        return cmd;
    }
}
