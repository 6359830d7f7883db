package io.dgan.data;

import java.nio.file.Path;

/**
 * A data file that is missing, truncated or not in the expected format. An IllegalArgumentException because it is
 * bad input to a command (the CLI reports it on one line, exit 2); the message names the file and what was expected.
 */
public final class DataFileException extends IllegalArgumentException {
    public DataFileException(Path file, String problem) {
        super(file + ": " + problem);
    }

    public DataFileException(Path file, String problem, Throwable cause) {
        super(file + ": " + problem, cause);
    }
}
