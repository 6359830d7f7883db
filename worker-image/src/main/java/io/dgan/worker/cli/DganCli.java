package io.dgan.worker.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.PrintWriter;
import java.nio.file.FileSystemException;
import java.util.Locale;

/**
 * The {@code dgan} command. Each subcommand is one small class; register new ones in {@code subcommands}.
 *
 * <p>Conventions every subcommand follows:
 * <ul>
 *   <li>{@code --help} on each (mixinStandardHelpOptions).</li>
 *   <li>{@code --json}: exactly one JSON object on stdout and nothing else there (progress and logs go to stderr).</li>
 *   <li>Bad arguments: one line on stderr naming the flag and what was expected, exit code 2.</li>
 *   <li>Any other failure: one line on stderr naming what failed, exit code 1; the stack trace only with
 *       {@code --debug} (accepted anywhere on the command line, by every subcommand).</li>
 * </ul>
 */
@Command(name = "dgan", mixinStandardHelpOptions = true, version = "dgan 0.1.0",
        description = "Decentralized GAN training (DPOSG / DP-OAdam): topologies, optimizers, games, training.",
        subcommands = {
                TopologyCommand.class,
                TrainCommand.class,
                ExperimentCommand.class,
                DemoCommand.class,
                ClassifierCommand.class,
                EvalCommand.class,
                GameCommand.class,
                BenchCommand.class,
                WorkerCommand.class,
                JobCommand.class,
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
        boolean debug = java.util.Arrays.asList(args).contains(DEBUG);
        String[] rest = java.util.Arrays.stream(args).filter(a -> !a.equals(DEBUG)).toArray(String[]::new);
        return newCommandLine(debug).execute(rest);
    }

    /** The flag that adds stack traces to failures. */
    static final String DEBUG = "--debug";

    public static CommandLine newCommandLine() {
        return newCommandLine(false);
    }

    static CommandLine newCommandLine(boolean debug) {
        CommandLine cli = new CommandLine(new DganCli());
        cli.setParameterExceptionHandler(DganCli::oneLineUsageError);
        cli.setExecutionExceptionHandler((ex, cmd, parseResult) -> {
            PrintWriter err = cmd.getErr();
            if (ex instanceof io.dgan.training.Diverged || ex instanceof WorkersFailed) {
                // Not a failure of this program: the settings made the training diverge (its own exit code, which
                // a supervisor must not restart), or a worker process failed and said why above. One line.
                String line = cmd.getCommandSpec().qualifiedName() + ": " + ex.getMessage();
                err.println(line);
                err.flush();
                TerminationMessage.write(line);
                return ex instanceof WorkersFailed w ? w.exitCode() : io.dgan.training.Diverged.EXIT_CODE;
            }
            if (ex instanceof IllegalArgumentException) {
                // Bad input discovered while running (e.g. a hypercube on 6 workers): one line, exit 2.
                err.println(cmd.getCommandSpec().qualifiedName() + ": " + ex.getMessage());
                err.flush();
                return CommandLine.ExitCode.USAGE;
            }
            err.println(cmd.getCommandSpec().qualifiedName() + ": " + oneLine(ex)
                    + (debug ? "" : " (--debug for the stack trace)"));
            if (debug) {
                ex.printStackTrace(err);
            }
            err.flush();
            return CommandLine.ExitCode.SOFTWARE;
        });
        return cli;
    }

    /** What failed, in one line: the message, with the cause's when it adds something (a file system error). */
    static String oneLine(Throwable ex) {
        String message = ex.getMessage() != null ? ex.getMessage() : ex.getClass().getSimpleName();
        Throwable cause = ex.getCause();
        if (cause instanceof FileSystemException fs) {
            // Its message is often the path alone (FileAlreadyExistsException: a file where a directory should be),
            // which the message names already: what happened to the path is in its class or reason.
            String file = fs.getFile();
            String what = fs.getReason() != null ? fs.getReason() : words(fs.getClass().getSimpleName());
            message += ": " + (file != null && !message.contains(file) ? file + ": " : "") + what
                    + (fs.getOtherFile() != null ? " (" + fs.getOtherFile() + ")" : "");
        } else if (cause != null && cause != ex) {
            String c = cause.getMessage() != null ? cause.getMessage() : cause.getClass().getSimpleName();
            if (!message.contains(c)) {
                String kind = cause.getClass().getSimpleName();
                message += ": " + (kind.endsWith("Exception") && !kind.equals("IOException")
                        && !kind.equals("RuntimeException") ? kind.replace("Exception", "") + " " : "") + c;
            }
        }
        return message.replace('\n', ' ');
    }

    /** "FileAlreadyExistsException" as "file already exists". */
    private static String words(String exceptionClass) {
        String name = exceptionClass.endsWith("Exception")
                ? exceptionClass.substring(0, exceptionClass.length() - "Exception".length()) : exceptionClass;
        return name.replaceAll("(?<=[a-z])(?=[A-Z])", " ").toLowerCase(Locale.ROOT);
    }

    private static int oneLineUsageError(CommandLine.ParameterException ex, String[] args) {
        CommandLine cmd = ex.getCommandLine();
        PrintWriter err = cmd.getErr();
        err.println(cmd.getCommandSpec().qualifiedName() + ": " + ex.getMessage()
                + " (see '" + cmd.getCommandSpec().qualifiedName() + " --help')");
        return CommandLine.ExitCode.USAGE;
    }
}
