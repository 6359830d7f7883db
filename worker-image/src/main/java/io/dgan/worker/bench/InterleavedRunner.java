package io.dgan.worker.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Runs the sides of a comparison (ours and an external reference) fairly: each side in its own process, one at a
 * time, with nothing else of the benchmark running beside it, over several rounds whose order alternates (round 1:
 * A then B, round 2: B then A, …), so that a drift of the machine's load hits both sides alike.
 *
 * <p>"One at a time" is enforced, not assumed: before a side starts, the previous side's process and every process
 * it started (collected while it ran) must have exited; stragglers are given a grace period
 * ({@link #STRAGGLER_GRACE} by default) and then killed, and the kill is reported. The caller's own process only waits (it should not have loaded anything that
 * keeps threads busy: {@code dgan bench step} runs its DL4J side in a child JVM for this reason).
 *
 * <p>Each side prints one JSON object as the last line of its standard output, with per-step samples:
 * {@code {"samples": {"<variant>": {"ms": [...], "cpuMs": [...]}, ...}, ...}}. Everything else in the object is kept
 * as the side's metadata (versions, settings).
 */
public final class InterleavedRunner {
    /** How long a finished side's leftover child processes may take to exit before they are killed (default). */
    public static final Duration STRAGGLER_GRACE = Duration.ofSeconds(10);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One side: a name and the command that measures it. */
    public record Side(String name, List<String> command, Map<String, String> environment) {
        public Side {
            command = List.copyOf(command);
            environment = Map.copyOf(environment);
        }

        public Side(String name, List<String> command) {
            this(name, command, Map.of());
        }
    }

    /** One process run: the round, its position in the round, the load average around it, and its output. */
    public record Run(int round, int position, String side, double loadBefore, double loadAfter, double seconds,
                      JsonNode result, int stragglersKilled) {
    }

    /** min / median / max. */
    public record Spread(double min, double median, double max) {
        public static Spread of(double[] values) {
            if (values.length == 0) {
                return new Spread(Double.NaN, Double.NaN, Double.NaN);
            }
            double[] v = values.clone();
            Arrays.sort(v);
            return new Spread(v[0], InterleavedRunner.median(v), v[v.length - 1]);
        }

        public Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("min", min);
            m.put("median", median);
            m.put("max", max);
            return m;
        }
    }

    private final List<Side> sides;
    private final int rounds;
    private final Duration timeout;
    private final Consumer<String> progress;
    private final Duration grace;

    public InterleavedRunner(List<Side> sides, int rounds, Duration timeout, Consumer<String> progress) {
        this(sides, rounds, timeout, STRAGGLER_GRACE, progress);
    }

    public InterleavedRunner(List<Side> sides, int rounds, Duration timeout, Duration grace, Consumer<String> progress) {
        if (sides.isEmpty()) {
            throw new IllegalArgumentException("no side to run");
        }
        if (rounds < 1) {
            throw new IllegalArgumentException("rounds must be at least 1, got " + rounds);
        }
        this.sides = List.copyOf(sides);
        this.rounds = rounds;
        this.timeout = timeout;
        this.progress = progress;
        this.grace = grace;
    }

    /** The sides' order in round {@code round} (0-based): rotated by one every round. */
    static List<Integer> order(int sides, int round) {
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < sides; i++) {
            order.add((i + round) % sides);
        }
        return order;
    }

    /**
     * Runs every round. A side that fails (non-zero exit, no JSON, timeout) ends the run with an IOException
     * naming the side and the last lines of its standard error.
     */
    public List<Run> run() throws IOException, InterruptedException {
        List<Run> runs = new ArrayList<>();
        for (int r = 0; r < rounds; r++) {
            List<Integer> order = order(sides.size(), r);
            for (int pos = 0; pos < order.size(); pos++) {
                Side side = sides.get(order.get(pos));
                progress.accept("round " + (r + 1) + "/" + rounds + ": " + side.name());
                runs.add(runOne(side, r, pos));
            }
        }
        return runs;
    }

    private Run runOne(Side side, int round, int position) throws IOException, InterruptedException {
        Path err = Files.createTempFile("dgan-side-", ".err");
        // Standard output goes to a file, not a pipe: processes the side leaves behind inherit it and would hold a
        // pipe open (and the reader blocked) until they exit.
        Path outFile = Files.createTempFile("dgan-side-", ".out");
        try {
            double loadBefore = loadAverage();
            ProcessBuilder builder = new ProcessBuilder(side.command()).redirectError(err.toFile())
                    .redirectOutput(outFile.toFile());
            builder.environment().putAll(side.environment());
            long t0 = System.nanoTime();
            Process p = builder.start();
            Set<ProcessHandle> family = new LinkedHashSet<>();
            long deadline = System.nanoTime() + timeout.toNanos();
            while (!p.waitFor(200, TimeUnit.MILLISECONDS)) {
                p.descendants().forEach(family::add);
                if (System.nanoTime() > deadline) {
                    p.descendants().forEach(ProcessHandle::destroyForcibly);
                    p.destroyForcibly();
                    throw new IOException(side.name() + ": no result within " + timeout.toSeconds() + " s");
                }
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            int killed = reapStragglers(family, grace);
            double loadAfter = loadAverage();
            String text = Files.readString(outFile, StandardCharsets.UTF_8).trim();
            if (p.exitValue() != 0 || text.isEmpty()) {
                throw new IOException(side.name() + " failed (exit " + p.exitValue() + "): " + tail(err));
            }
            String last = text.substring(text.lastIndexOf('\n') + 1);
            JsonNode result;
            try {
                result = JSON.readTree(last);
            } catch (IOException e) {
                throw new IOException(side.name() + ": last line of its output is not JSON: " + abbreviate(last));
            }
            if (!result.path("samples").isObject()) {
                throw new IOException(side.name() + ": its JSON has no \"samples\" object: " + abbreviate(last));
            }
            return new Run(round, position, side.name(), loadBefore, loadAfter, seconds, result, killed);
        } finally {
            Files.deleteIfExists(err);
            Files.deleteIfExists(outFile);
        }
    }

    /** Waits for processes the side started to exit; kills those still alive after the grace period. */
    static int reapStragglers(Set<ProcessHandle> family, Duration grace) throws InterruptedException {
        long deadline = System.nanoTime() + grace.toNanos();
        while (family.stream().anyMatch(ProcessHandle::isAlive) && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        int killed = 0;
        for (ProcessHandle h : family) {
            if (h.isAlive()) {
                h.destroyForcibly();
                killed++;
            }
        }
        return killed;
    }

    // ------------------------------------------------------------------ summaries

    /** Per-round medians of one side's variant and metric ("ms" or "cpuMs"), in round order. */
    public static double[] roundMedians(List<Run> runs, String side, String variant, String metric) {
        return runs.stream().filter(r -> r.side().equals(side))
                .mapToDouble(r -> median(samples(r, variant, metric))).toArray();
    }

    /** Every sample of one side's variant and metric, over all rounds. */
    public static double[] pooled(List<Run> runs, String side, String variant, String metric) {
        return runs.stream().filter(r -> r.side().equals(side))
                .flatMapToDouble(r -> Arrays.stream(samples(r, variant, metric))).toArray();
    }

    /** Per round: median of {@code numerator}'s samples / median of {@code denominator}'s, same round. */
    public static double[] roundRatios(List<Run> runs, String numerator, String denominator, String variant,
                                       String metric) {
        double[] a = roundMedians(runs, numerator, variant, metric);
        double[] b = roundMedians(runs, denominator, variant, metric);
        double[] ratio = new double[Math.min(a.length, b.length)];
        for (int i = 0; i < ratio.length; i++) {
            ratio[i] = a[i] / b[i];
        }
        return ratio;
    }

    public static double[] samples(Run run, String variant, String metric) {
        JsonNode node = run.result().path("samples").path(variant).path(metric);
        double[] v = new double[node.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = node.get(i).asDouble();
        }
        return v;
    }

    public static double median(double[] values) {
        if (values.length == 0) {
            return Double.NaN;
        }
        double[] v = values.clone();
        Arrays.sort(v);
        int n = v.length;
        return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    }

    /** The 1-minute load average, or NaN where /proc/loadavg is not readable. */
    public static double loadAverage() {
        try {
            String s = Files.readString(Path.of("/proc/loadavg")).trim();
            return Double.parseDouble(s.substring(0, s.indexOf(' ')));
        } catch (IOException | RuntimeException e) {
            return Double.NaN;
        }
    }

    /** The CPU model (from /proc/cpuinfo) and the number of processors this JVM may use. */
    public static String hardware() {
        String model = "unknown CPU";
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    model = line.substring(line.indexOf(':') + 1).trim();
                    break;
                }
            }
        } catch (IOException | RuntimeException ignored) {
            // not Linux: the model stays unknown
        }
        return model + ", " + Runtime.getRuntime().availableProcessors() + " cores, " + System.getProperty("os.arch");
    }

    private static String tail(Path file) {
        try {
            List<String> lines = Files.readAllLines(file);
            return String.join(" | ", lines.subList(Math.max(0, lines.size() - 3), lines.size()));
        } catch (IOException e) {
            return "(no error output)";
        }
    }

    private static String abbreviate(String s) {
        return s.length() <= 200 ? s : s.substring(0, 200) + "…";
    }
}
