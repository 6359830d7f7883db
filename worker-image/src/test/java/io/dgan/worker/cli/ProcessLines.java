package io.dgan.worker.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/** Hands each line a child process writes to its stderr to a consumer, on a daemon thread, until the process ends. */
final class ProcessLines {
    private ProcessLines() {
    }

    static Thread follow(Process process, String threadName, Consumer<String> onLine) {
        Thread t = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getErrorStream(),
                    StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                    onLine.accept(line);
                }
            } catch (IOException ignored) {
                // process gone
            }
        }, threadName);
        t.setDaemon(true);
        t.start();
        return t;
    }
}
