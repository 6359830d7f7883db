package io.dgan.kube.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The logs of the processes a test cluster runs, read for waits and failure messages. */
public final class LogFiles {
    private LogFiles() {
    }

    /** The whole file; empty while it does not exist. */
    public static String read(Path file) {
        try {
            return Files.isRegularFile(file) ? Files.readString(file) : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Its last 3,000 characters, for a failure message. */
    public static String tail(Path file) {
        String text = read(file);
        return text.length() > 3000 ? text.substring(text.length() - 3000) : text;
    }
}
