package io.dgan.worker.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code dgan bench}: the benchmarks, one subcommand each. Register new ones in {@code subcommands}. */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Benchmarks that print their figures next to a reference measured in the same run.",
        subcommands = {
                BenchMixingCommand.class,
                BenchTransportCommand.class,
                BenchCommCommand.class,
                BenchStepCommand.class,
                BenchSoakCommand.class,
        })
public final class BenchCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(),
                "missing subcommand; one of " + String.join(", ", spec.subcommands().keySet()));
    }
}
