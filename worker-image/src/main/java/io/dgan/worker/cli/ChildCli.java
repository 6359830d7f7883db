package io.dgan.worker.cli;

import io.dgan.bench.ChildJvm;

import java.util.ArrayList;
import java.util.List;

/** The command that runs the dgan CLI in a child JVM like this one: same java, options and class path. */
final class ChildCli {
    private ChildCli() {
    }

    /** {@code java <this JVM's options, debugger and agents left out> -cp <class path> io.dgan.worker.cli.DganCli}. */
    static List<String> command() {
        List<String> cmd = new ArrayList<>();
        cmd.add(ChildJvm.java());
        cmd.addAll(ChildJvm.inheritedOptions());
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), DganCli.class.getName()));
        return cmd;
    }
}
