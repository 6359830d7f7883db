package io.dgan.worker.experiment;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * Runs an experiment's runs one after another, each as its own {@code dgan train} process (which starts its worker
 * processes), so that a run's failure, memory or threads never reach the next one. Resumable: a run whose
 * directory has a summary is done and skipped; one with a checkpoint continues with {@code --resume}; one that
 * started without reaching a checkpoint starts again.
 *
 * <p>Each run directory holds {@value #MARKER}, the flags it was started with: a run directory whose flags differ
 * from the spec's is refused (never overwritten), since its results would answer another question.
 */
public final class ExperimentRunner {
    static final String MARKER = "experiment-run.json";
    static final String FAILED = "experiment-failed.txt";
    /**
     * Written when the run's training diverged ({@code dgan train} exited {@value io.dgan.training.Diverged#EXIT_CODE}),
     * with the line saying where: a result of its settings (a learning rate too high for them), not a failure. The
     * experiment goes on, and a later invocation keeps it: the same settings would diverge again.
     */
    static final String DIVERGED = "experiment-diverged.txt";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path runsDir;
    private final Path logsDir;
    private final List<String> javaCommand;
    private final PrintWriter err;

    /**
     * @param javaCommand the JVM and class path that run {@code io.dgan.worker.cli.DganCli} (the arguments
     *                    {@code train ...} are appended)
     */
    public ExperimentRunner(Path runsDir, Path logsDir, List<String> javaCommand, PrintWriter err) {
        this.runsDir = runsDir;
        this.logsDir = logsDir;
        this.javaCommand = List.copyOf(javaCommand);
        this.err = err;
    }

    /** Whether {@code dir} was started for {@code run}'s flags (a directory without the marker is not). */
    static boolean matches(Path dir, PlannedRun run) {
        List<?> started = startedWith(dir);
        return started != null && started.equals(run.trainArgs());
    }

    /**
     * Whether {@code dir} holds a shorter run of {@code run}: started with the same flags except a smaller
     * {@code --iterations}. Raising iterations in a spec continues such runs from their last checkpoint.
     */
    static boolean extendable(Path dir, PlannedRun run) {
        List<?> started = startedWith(dir);
        List<String> planned = run.trainArgs();
        if (started == null || started.size() != planned.size()) {
            return false;
        }
        boolean longer = false;
        for (int i = 0; i < planned.size(); i++) {
            if (i > 0 && planned.get(i - 1).equals("--iterations") && "--iterations".equals(started.get(i - 1))) {
                try {
                    longer = Long.parseLong(planned.get(i)) > Long.parseLong(String.valueOf(started.get(i)));
                } catch (NumberFormatException e) {
                    return false;
                }
                if (!longer) {
                    return false;
                }
            } else if (!planned.get(i).equals(started.get(i))) {
                return false;
            }
        }
        return longer;
    }

    /** The dgan train arguments in the run directory's marker, null without one. */
    private static List<?> startedWith(Path dir) {
        Path marker = dir.resolve(MARKER);
        if (!Files.exists(marker)) {
            return null;
        }
        try {
            return JSON.convertValue(JSON.readTree(marker.toFile()).path("args"), List.class);
        } catch (IOException | IllegalArgumentException e) {
            return null;
        }
    }

    /** Refuses run directories that hold another run (before anything starts, so that nothing is half done). */
    public void checkDirectories(List<PlannedRun> runs) {
        for (PlannedRun r : runs) {
            Path dir = runsDir.resolve(r.id());
            if (Files.exists(dir.resolve(MARKER)) && !matches(dir, r) && !extendable(dir, r)) {
                throw new IllegalArgumentException("run " + r.id() + ": " + dir + " holds a run started with other "
                        + "flags (see its " + MARKER + "); restore the spec, or delete the directory to run it again "
                        + "(only --iterations may grow: the run then continues)");
            }
            if (Files.exists(dir) && !Files.exists(dir.resolve(MARKER)) && !isEmpty(dir)) {
                throw new IllegalArgumentException("run " + r.id() + ": " + dir + " exists and was not made by "
                        + "dgan experiment; move it away or choose another --out");
            }
        }
    }

    /**
     * Runs what is not done yet, in order; {@code afterEach} is called after every run (the report is rewritten).
     * Returns the ids of the runs that failed; with {@code keepGoing} false the first failure ends the experiment
     * (IllegalStateException naming the run and its log).
     */
    public List<String> runAll(List<PlannedRun> runs, boolean keepGoing, Consumer<PlannedRun> afterEach)
            throws InterruptedException {
        checkDirectories(runs);
        List<String> failed = new ArrayList<>();
        int n = runs.size();
        for (int i = 0; i < n; i++) {
            PlannedRun r = runs.get(i);
            Path dir = runsDir.resolve(r.id());
            String prefix = String.format("[%d/%d] %s", i + 1, n, r.id());
            if (Files.exists(dir.resolve("summary.json")) && matches(dir, r)) {
                say(prefix + ": done before, kept");
                continue;
            }
            if (Files.exists(dir.resolve(DIVERGED)) && (matches(dir, r) || extendable(dir, r))) {
                // More iterations change nothing: it diverged before its last iteration, and would again.
                say(prefix + ": diverged before, kept (" + lastLine(dir.resolve(DIVERGED)) + ")");
                continue;
            }
            int code = runOne(r, dir, prefix);
            if (code == io.dgan.training.Diverged.EXIT_CODE) {
                String line = divergenceLine(logsDir.resolve(r.id() + ".log"));
                write(dir.resolve(DIVERGED), line + "\n");
                say(prefix + ": diverged: " + line);
                afterEach.accept(r);
                continue;
            }
            if (code != 0) {
                String last = lastLine(logsDir.resolve(r.id() + ".log"));
                write(dir.resolve(FAILED), "exit code " + code + ": " + last + "\n");
                failed.add(r.id());
                String message = prefix + ": failed (exit code " + code + "): " + last + "; log: "
                        + logsDir.resolve(r.id() + ".log");
                if (!keepGoing) {
                    afterEach.accept(r);
                    throw new IllegalStateException(message);
                }
                say(message);
            }
            afterEach.accept(r);
        }
        return failed;
    }

    private int runOne(PlannedRun r, Path dir, String prefix) throws InterruptedException {
        boolean extend = extendable(dir, r);
        boolean resume = Files.exists(dir.resolve("checkpoints").resolve("latest.json"))
                && (matches(dir, r) || extend);
        if (extend) {
            say(prefix + ": continuing a shorter run of it to " + r.flags().get("iterations") + " iterations");
            try {
                Files.deleteIfExists(dir.resolve("summary.json"));  // the shorter run's: not this run's result
            } catch (IOException e) {
                throw new UncheckedIOException("run " + r.id() + ": " + e.getMessage(), e);
            }
        } else if (resume && checkpointIsFinal(dir)) {
            // Stopped after its last checkpoint but before its summary: nothing is left to train, and a resume
            // needs iterations beyond the checkpoint, so the run starts again.
            say(prefix + ": its last checkpoint is its final iteration but it wrote no summary; starting it again");
            resume = false;
        }
        try {
            if (!resume && Files.exists(dir)) {
                deleteTree(dir); // started, but no checkpoint reached: nothing to continue from
            }
            Files.createDirectories(dir);
            Files.createDirectories(logsDir);
            Files.deleteIfExists(dir.resolve(FAILED));
            Files.deleteIfExists(dir.resolve(DIVERGED));
            write(dir.resolve(MARKER), JSON.writeValueAsString(Map.of("id", r.id(), "args", r.trainArgs())));
        } catch (IOException e) {
            throw new UncheckedIOException("run " + r.id() + ": cannot prepare " + dir + ": " + e.getMessage(), e);
        }
        List<String> cmd = new ArrayList<>(javaCommand);
        cmd.addAll(List.of("train", "--run-dir", dir.toString()));
        if (resume) {
            cmd.add("--resume");
        }
        cmd.addAll(r.trainArgs());
        Path log = logsDir.resolve(r.id() + ".log");
        say(prefix + ": " + (resume ? "resuming from its last checkpoint" : "started") + " (log: " + log + ")");
        long t0 = System.nanoTime();
        Process p;
        try {
            ProcessBuilder builder = new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectOutput(resume ? ProcessBuilder.Redirect.appendTo(log.toFile())
                            : ProcessBuilder.Redirect.to(log.toFile()));
            builder.environment().putAll(io.dgan.model.NativeBackend.processEnvironment());
            p = builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException("run " + r.id() + ": cannot start dgan train: " + e.getMessage(), e);
        }
        Thread stop = new Thread(p::destroy, "dgan-experiment-stop-run");
        Runtime.getRuntime().addShutdownHook(stop);
        int code;
        try {
            code = p.waitFor();
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(stop);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running: it stops the run
            }
        }
        if (code == 0) {
            say(String.format("%s: done in %.0f s", prefix, (System.nanoTime() - t0) / 1e9));
        }
        return code;
    }

    /** Whether checkpoints/latest.json is at the run's last iteration (config.json's iterations). */
    private static boolean checkpointIsFinal(Path dir) {
        try {
            long at = JSON.readTree(dir.resolve("checkpoints").resolve("latest.json").toFile()).path("iteration")
                    .asLong(-1);
            long total = JSON.readTree(dir.resolve("config.json").toFile()).path("iterations").asLong(-2);
            return at >= total;
        } catch (IOException e) {
            return false;
        }
    }

    private void say(String line) {
        err.println("dgan experiment: " + line);
        err.flush();
    }

    /** The worker's line saying where and why the run diverged (the launcher's own line comes after it). */
    private static String divergenceLine(Path log) {
        try {
            List<String> lines = Files.readAllLines(log);
            for (int i = lines.size() - 1; i >= 0; i--) {
                String line = lines.get(i);
                if (line.contains(" diverged at iteration ")) {
                    return line.replaceFirst("^(\\[rank \\d+\\] |dgan train: )", "").strip();
                }
            }
        } catch (IOException e) {
            // the launcher's line below says it diverged
        }
        return lastLine(log);
    }

    private static String lastLine(Path log) {
        try {
            List<String> lines = Files.readAllLines(log);
            for (int i = lines.size() - 1; i >= 0; i--) {
                if (!lines.get(i).isBlank()) {
                    return lines.get(i).strip();
                }
            }
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
        return "(empty log)";
    }

    private static boolean isEmpty(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.findAny().isEmpty();
        } catch (IOException e) {
            return false;
        }
    }

    private static void write(Path file, String content) {
        try {
            Files.writeString(file, content);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
