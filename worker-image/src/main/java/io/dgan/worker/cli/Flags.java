package io.dgan.worker.cli;

import picocli.CommandLine;
import picocli.CommandLine.ParameterException;

import java.util.function.Supplier;

/** Bad input as one line naming the flag (exit code 2), for the options of commands and their mixins. */
final class Flags {
    private Flags() {
    }

    static ParameterException bad(CommandLine cmd, String flag, String message) {
        return new ParameterException(cmd, flag + ": " + message);
    }

    /** The parser's value; its IllegalArgumentException becomes a ParameterException naming the flag. */
    static <T> T parse(CommandLine cmd, String flag, Supplier<T> parser) {
        try {
            return parser.get();
        } catch (IllegalArgumentException e) {
            String message = e.getMessage();
            throw new ParameterException(cmd, message.startsWith("--") ? message : flag + ": " + message);
        }
    }
}
