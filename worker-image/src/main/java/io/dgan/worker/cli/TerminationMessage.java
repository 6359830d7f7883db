package io.dgan.worker.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;

/**
 * A failing worker's one line of why, where its supervisor reads it: the file named by
 * {@value #ENV}, else Kubernetes' default termination message file {@value #KUBERNETES_DEFAULT} when it exists (the
 * kubelet creates it in every container; the operator shows its content in the job's condition and Events). Outside
 * a container neither exists and nothing is written.
 */
final class TerminationMessage {
    static final String ENV = "DGAN_TERMINATION_MESSAGE_PATH";
    static final String KUBERNETES_DEFAULT = "/dev/termination-log";
    /** Kubernetes keeps at most 4,096 bytes of it; one line of reason is enough. */
    static final int MAX_CHARS = 1_000;

    private TerminationMessage() {
    }

    /** Writes {@code line} to the termination message file, if there is one; never fails the caller. */
    static void write(String line) {
        write(System.getenv(), line);
    }

    static void write(Map<String, String> env, String line) {
        Path file = file(env);
        if (file == null) {
            return;
        }
        String one = line.replace('\n', ' ').strip();
        if (one.length() > MAX_CHARS) {
            one = one.substring(0, MAX_CHARS - 1) + "…";
        }
        try {
            Files.writeString(file, one + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                    StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE);
        } catch (IOException | RuntimeException e) {
            // The message is a courtesy to the supervisor: the worker's exit code and log say the same.
        }
    }

    /** The file to write, or null. */
    static Path file(Map<String, String> env) {
        String given = env.get(ENV);
        if (given != null && !given.isBlank()) {
            return Path.of(given);
        }
        Path kubernetes = Path.of(KUBERNETES_DEFAULT);
        return Files.isRegularFile(kubernetes) ? kubernetes : null;
    }
}
