package io.dgan.worker.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.PrintWriter;

/**
 * The {@code dgan} command. Each subcommand is one small class; register new ones in {@code subcommands}.
 *
 * <p>Conventions every subcommand follows:
 * <ul>
 *   <li>{@code --help} on each (mixinStandardHelpOptions).</li>
 *   <li>{@code --json}: exactly one JSON object on stdout and nothing else there (progress and logs go to stderr).</li>
 *   <li>Bad arguments: one line on stderr naming the flag and what was expected, exit code 2.</li>
 * </ul>
 */
@Command(name = "dgan", mixinStandardHelpOptions = true, version = "dgan 0.1.0",
        description = "Decentralized GAN training (DPOSG / DP-OAdam): topologies, optimizers, games, training.",
        subcommands = {
                TopologyCommand.class,
                TrainCommand.class,
                DemoCommand.class,
                ClassifierCommand.class,
                EvalCommand.class,
                GameCommand.class,
                BenchCommand.class,
                WorkerCommand.class,
                CommandLine.HelpCommand.class,
        })
public final class DganCli implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.err);
    }

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    /** Runs the CLI and returns the exit code (tests call this instead of main). */
    public static int execute(String... args) {
        return newCommandLine().execute(args);
    }

    public static CommandLine newCommandLine() {
        CommandLine cli = new CommandLine(new DganCli());
        cli.setParameterExceptionHandler(DganCli::oneLineUsageError);
        cli.setExecutionExceptionHandler((ex, cmd, parseResult) -> {
            if (ex instanceof IllegalArgumentException) {
                // Bad input discovered while running (e.g. a hypercube on 6 workers): one line, exit 2.
                cmd.getErr().println(cmd.getCommandSpec().qualifiedName() + ": " + ex.getMessage());
                return CommandLine.ExitCode.USAGE;
            }
            throw ex;
        });
        return cli;
    }

    private static int oneLineUsageError(CommandLine.ParameterException ex, String[] args) {
        CommandLine cmd = ex.getCommandLine();
        PrintWriter err = cmd.getErr();
        err.println(cmd.getCommandSpec().qualifiedName() + ": " + ex.getMessage()
                + " (see '" + cmd.getCommandSpec().qualifiedName() + " --help')");
        return CommandLine.ExitCode.USAGE;
    }
}
