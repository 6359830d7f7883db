package io.dgan.worker.cli;

import io.dgan.training.TrainConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code dgan bench soak}: resident memory of one worker over a long run. Trains a real multi-process run (M
 * {@code dgan worker} JVMs over gRPC on loopback, exactly what {@code dgan train} starts) and reads every worker's
 * VmRSS from /proc each time rank 0 reports an iteration; reports RSS at iteration {@code --from} and at the last
 * iteration and the growth between them (target < 15 %).
 */
@Command(name = "soak", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Resident memory (VmRSS) of the workers of a real multi-process run, from iteration --from "
                + "to the end (Linux /proc).")
public final class BenchSoakCommand implements Callable<Integer> {
    static final Pattern PROGRESS = Pattern.compile("^\\[it (\\d+)/(\\d+)]");

    @Spec
    CommandSpec spec;

    @Option(names = "--workers", defaultValue = "2", description = "worker processes (default ${DEFAULT-VALUE})")
    int workers;

    @Option(names = "--model", defaultValue = "dcgan-small", description = "model (default ${DEFAULT-VALUE})")
    String model;

    @Option(names = "--dataset", defaultValue = "fashion-mnist", description = "dataset (default ${DEFAULT-VALUE})")
    String dataset;

    @Option(names = "--data-dir", description = "dataset folder (default: as dgan train)")
    String dataDir;

    @Option(names = "--loss", defaultValue = "bce", description = "loss (default ${DEFAULT-VALUE})")
    String loss;

    @Option(names = "--batch", defaultValue = "64", description = "minibatch per worker (default ${DEFAULT-VALUE})")
    int batch;

    @Option(names = "--iterations", defaultValue = "2000", description = "iterations (default ${DEFAULT-VALUE})")
    long iterations;

    @Option(names = "--from", defaultValue = "200", description = "iteration of the first RSS reading compared (default ${DEFAULT-VALUE})")
    long from;

    @Option(names = "--threads-per-worker", defaultValue = "0", description = "native threads per worker (default 0: cores / workers)")
    int threadsPerWorker;

    @Option(names = "--run-dir", description = "run directory (default runs/soak-<time>)")
    Path runDir;

    @Option(names = "--json", description = "print one JSON object on stdout")
    boolean json;

    /** One reading: iteration reported by rank 0, seconds since start, VmRSS in KiB of every rank (-1: gone). */
    record Reading(long iteration, double seconds, long[] rssKiB) {
    }

    @Override
    public Integer call() throws Exception {
        if (workers < 1 || batch < 1 || from < 1 || iterations <= from) {
            throw new ParameterException(spec.commandLine(),
                    "--workers, --batch, --from must be >= 1 and --iterations > --from (got --from " + from
                            + ", --iterations " + iterations + ")");
        }
        if (!Files.isReadable(Path.of("/proc/self/status"))) {
            throw new ParameterException(spec.commandLine(), "bench soak reads VmRSS from /proc/<pid>/status: Linux only");
        }
        Path dir = runDir != null ? runDir : Path.of("runs", "soak-"
                + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
        TrainConfig config;
        try {
            config = new TrainConfig(workers, "ring", "dp-oadam", model, dataset, dataDir, "iid", loss, batch,
                    iterations, 2e-4, 2e-4, 0.5, 0.999, 1, 0, threadsPerWorker, 10, 0, 0, 64,
                    dir.resolve("no-classifier").toString());
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        PrintWriter err = new PrintWriter(System.err, true);
        AtomicReference<LocalWorkers> launcher = new AtomicReference<>();
        List<Reading> readings = java.util.Collections.synchronizedList(new ArrayList<>());
        long t0 = System.nanoTime();
        PrintWriter watcher = new PrintWriter(new Writer() {
            private final StringBuilder line = new StringBuilder();

            @Override
            public void write(char[] buf, int off, int len) {
                for (int i = off; i < off + len; i++) {
                    char c = buf[i];
                    if (c == '\n') {
                        onLine(line.toString());
                        line.setLength(0);
                    } else {
                        line.append(c);
                    }
                }
            }

            private void onLine(String l) {
                err.println(l);
                Matcher m = PROGRESS.matcher(l);
                LocalWorkers w = launcher.get();
                if (m.find() && w != null) {
                    List<ProcessHandle> ps = w.processes();
                    long[] rss = new long[ps.size()];
                    for (int r = 0; r < rss.length; r++) {
                        rss[r] = rssKiB(ps.get(r).pid());
                    }
                    readings.add(new Reading(Long.parseLong(m.group(1)), (System.nanoTime() - t0) / 1e9, rss));
                }
            }

            @Override
            public void flush() {
                err.flush();
            }

            @Override
            public void close() {
                err.flush();
            }
        }, true);

        String load = loadAverage();
        TrainCommand.runWorkerProcesses(config, dir, false, "float32", watcher, launcher::set);
        Map<String, Object> out = summarize(readings, from, iterations, workers);
        out.put("command", "dgan bench soak --workers " + workers + " --model " + model + " --dataset " + dataset
                + " --loss " + loss + " --batch " + batch + " --iterations " + iterations + " --from " + from);
        out.put("loadAverageAtStart", load);
        out.put("loadAverageAtEnd", loadAverage());
        out.put("wallSeconds", (System.nanoTime() - t0) / 1e9);
        out.put("runDir", dir.toString());
        Object growth = out.get("growthRank0");
        err.printf("soak: rank 0 VmRSS %s MiB at iteration %s, %s MiB at %s: growth %s (target < 15 %%)%n",
                out.get("rssMiBAtFromRank0"), out.get("fromIteration"), out.get("rssMiBAtEndRank0"),
                out.get("endIteration"), growth instanceof Double g ? String.format("%.1f %%", 100 * g) : "n/a");
        Files.writeString(dir.resolve("soak.json"), JsonOutput.toJson(out));
        if (json) {
            spec.commandLine().getOut().println(JsonOutput.toJson(out));
            spec.commandLine().getOut().flush();
        }
        return 0;
    }

    /** RSS at the first reading at or after {@code from} and at the last reading, per rank, and the growth. */
    static Map<String, Object> summarize(List<Reading> readings, long from, long iterations, int workers) {
        Map<String, Object> out = new LinkedHashMap<>();
        Reading first = readings.stream().filter(r -> r.iteration() >= from).findFirst().orElse(null);
        Reading last = readings.isEmpty() ? null : readings.get(readings.size() - 1);
        if (first == null || last == null || last.iteration() < iterations) {
            throw new IllegalStateException("soak: rank 0 reported no iteration >= " + from + " or stopped before "
                    + iterations + " (" + readings.size() + " readings)");
        }
        out.put("fromIteration", first.iteration());
        out.put("endIteration", last.iteration());
        for (int r = 0; r < Math.min(workers, first.rssKiB().length); r++) {
            double a = first.rssKiB()[r] / 1024.0;
            double b = last.rssKiB()[r] / 1024.0;
            long peak = readings.stream().filter(x -> x.iteration() >= from && x.rssKiB().length > 0)
                    .mapToLong(x -> x.rssKiB()[0]).max().orElse(-1);
            out.put("rssMiBAtFromRank" + r, Math.round(a * 10) / 10.0);
            out.put("rssMiBAtEndRank" + r, Math.round(b * 10) / 10.0);
            out.put("growthRank" + r, (b - a) / a);
            if (r == 0) {
                out.put("peakRssMiBRank0", Math.round(peak / 102.4) / 10.0);
            }
        }
        List<Map<String, Object>> series = new ArrayList<>();
        long step = Math.max(10, iterations / 40);
        for (Reading x : readings) {
            if (x.iteration() % step == 0 || x == last) {
                Map<String, Object> point = new LinkedHashMap<>();
                point.put("iteration", x.iteration());
                point.put("seconds", Math.round(x.seconds() * 10) / 10.0);
                point.put("rssMiB", java.util.Arrays.stream(x.rssKiB()).mapToObj(k -> Math.round(k / 102.4) / 10.0).toList());
                series.add(point);
            }
        }
        out.put("series", series);
        return out;
    }

    /** VmRSS of a process in KiB, or -1 when it is gone. */
    static long rssKiB(long pid) {
        try {
            for (String l : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (l.startsWith("VmRSS:")) {
                    return Long.parseLong(l.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }

    private static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).trim();
        } catch (IOException e) {
            return "n/a";
        }
    }
}
