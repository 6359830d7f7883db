package io.dgan.worker.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code dgan bench}: benchmarks that print ratios against a reference measured in the same run. */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Benchmarks (each prints its figure and a reference measured in the same run).",
        subcommands = {
                BenchTransportCommand.class,
        })
public final class BenchCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.err);
    }
}
