package io.dgan.worker.experiment;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * An experiment's results: one row per run (results.csv), one per group of runs that differ only in their seed
 * (groups.csv), both in results.json, and the plots ({@link ExperimentPlots}). Built from what the run directories
 * hold, so it can be rebuilt at any time, also while runs are missing.
 */
public final class ExperimentReport {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final ExperimentSpec spec;
    private final List<RunResult> results;
    private final List<String> flagColumns;
    private final List<String> metrics;
    private List<String> labelFlags;

    private ExperimentReport(ExperimentSpec spec, List<RunResult> results, List<String> flagColumns,
                             List<String> metrics) {
        this.spec = spec;
        this.results = results;
        this.flagColumns = flagColumns;
        this.metrics = metrics;
    }

    /** Reads every run's directory under {@code runsDir} and works out quality sources and times to quality. */
    public static ExperimentReport build(ExperimentSpec spec, Path runsDir) {
        List<PlannedRun> runs = spec.runs();
        Map<String, RunRecord> records = new LinkedHashMap<>();
        Map<String, String> status = new LinkedHashMap<>();
        for (PlannedRun r : runs) {
            Path dir = runsDir.resolve(r.id());
            if (Files.exists(dir.resolve("summary.json")) && ExperimentRunner.matches(dir, r)) {
                records.put(r.id(), RunRecord.read(dir));
                status.put(r.id(), "done");
            } else {
                status.put(r.id(), Files.exists(dir.resolve(ExperimentRunner.DIVERGED)) ? "diverged"
                        : Files.exists(dir.resolve(ExperimentRunner.FAILED)) ? "failed" : "pending");
            }
        }
        List<String> metrics = Quality.KNOWN.stream()
                .filter(m -> records.values().stream().anyMatch(rec -> !rec.evaluations(m).isEmpty())).toList();
        String metric = spec.compare() != null ? spec.compare().metric() : metrics.isEmpty() ? null : metrics.get(0);

        List<RunResult> results = new TimeToQuality(spec, runs, records, metric).results(status);
        return new ExperimentReport(spec, List.copyOf(results), varyingFlags(runs), metrics);
    }

    static Map<String, String> without(Map<String, String> flags, Set<String> drop) {
        Map<String, String> m = new LinkedHashMap<>(flags);
        m.keySet().removeAll(drop);
        return m;
    }

    /** The flags whose values differ between runs, in the order they first appear. */
    static List<String> varyingFlags(List<PlannedRun> runs) {
        Set<String> all = new LinkedHashSet<>();
        runs.forEach(r -> all.addAll(r.flags().keySet()));
        return all.stream().filter(f -> runs.stream().map(r -> r.flags().get(f)).distinct().count() > 1).toList();
    }

    public ExperimentSpec spec() {
        return spec;
    }

    public List<RunResult> results() {
        return results;
    }

    public List<String> metrics() {
        return metrics;
    }

    /** The comparison's measure, else the first measure the runs evaluated (null when none did). */
    public String primaryMetric() {
        return spec.compare() != null ? spec.compare().metric() : metrics.isEmpty() ? null : metrics.get(0);
    }

    /** The flags that differ between runs, the seed left out: what tells groups apart. */
    public List<String> groupFlags() {
        return flagColumns.stream().filter(f -> !f.equals("seed")).toList();
    }

    /** Runs that differ only in their seed, in plan order. */
    public Map<String, List<RunResult>> groups() {
        Map<String, List<RunResult>> groups = new LinkedHashMap<>();
        for (RunResult r : results) {
            groups.computeIfAbsent(label(r.run()), k -> new ArrayList<>()).add(r);
        }
        return groups;
    }

    /**
     * A group's label: the differing flags (seed left out) as flag=value, a switch by its name alone when given;
     * run-length flags (iterations, log-every, eval-every, checkpoint-every) only as far as needed to tell two groups
     * apart.
     */
    public String label(PlannedRun run) {
        List<String> parts = new ArrayList<>();
        for (String f : labelFlags()) {
            String v = run.flags().get(f);
            if (switches().contains(f)) {
                if ("true".equalsIgnoreCase(v)) {
                    parts.add(f);
                }
            } else {
                parts.add(f + "=" + Objects.toString(v, "none"));
            }
        }
        return parts.isEmpty() ? spec.name() : String.join(" ", parts);
    }

    /** Flags whose values are only true or false (or absent): shown by name when given. */
    private Set<String> switches() {
        Set<String> out = new java.util.HashSet<>();
        for (String f : groupFlags()) {
            if (results.stream().map(r -> r.run().flags().get(f)).filter(Objects::nonNull)
                    .allMatch(v -> v.equalsIgnoreCase("true") || v.equalsIgnoreCase("false"))) {
                out.add(f);
            }
        }
        return out;
    }

    private List<String> labelFlags() {
        if (labelFlags == null) {
            List<String> length = List.of("iterations", "eval-every", "log-every", "checkpoint-every");
            List<String> flags = new ArrayList<>(groupFlags().stream().filter(f -> !length.contains(f)).toList());
            for (String f : length) {
                if (distinct(flags)) {
                    break;
                }
                if (groupFlags().contains(f)) {
                    flags.add(f);
                }
            }
            labelFlags = groupFlags().stream().filter(flags::contains).toList();
        }
        return labelFlags;
    }

    /** Whether these flags tell every group apart. */
    private boolean distinct(List<String> flags) {
        Set<Map<String, String>> groups = new java.util.HashSet<>();
        Set<List<String>> labels = new java.util.HashSet<>();
        for (RunResult r : results) {
            if (groups.add(without(r.run().flags(), Set.of("seed")))) {
                labels.add(flags.stream().map(f -> Objects.toString(r.run().flags().get(f))).toList());
            }
        }
        return labels.size() == groups.size();
    }

    /** One summary per group: counts, mean/std/min/max of the final measures, times and the iteration split. */
    public List<Map<String, Object>> groupRows() {
        List<Map<String, Object>> rows = new ArrayList<>();
        groups().forEach((label, members) -> {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("group", label);
            for (String f : groupFlags()) {
                row.put(f, members.get(0).run().flags().get(f));
            }
            List<RunResult> done = members.stream().filter(m -> m.record() != null).toList();
            row.put("timing", members.get(0).run().timing());
            row.put("runs", members.size());
            row.put("done", done.size());
            row.put("diverged", members.stream().filter(m -> "diverged".equals(m.status())).count());
            for (String m : metrics) {
                spread(row, m, done.stream().map(r -> r.record().last(m))
                        .filter(java.util.OptionalDouble::isPresent).map(java.util.OptionalDouble::getAsDouble)
                        .toList());
            }
            spread(row, "trainingSeconds", done.stream().map(r -> r.record().trainingSeconds()).toList());
            row.put("steadyIterMs", meanOrNull(done.stream().map(r -> r.record().steadyIterMs())
                    .filter(Double::isFinite).toList()));
            for (String k : List.of("iterMs", "computeMs", "sendMs", "receiveMs", "gcMs", "otherMs")) {
                row.put(k, meanOrNull(done.stream().map(r -> r.record().split().get(k)).filter(Objects::nonNull)
                        .toList()));
            }
            if (spec.compare() != null) {
                row.put("target", done.stream().map(RunResult::target).filter(Objects::nonNull).findFirst()
                        .orElse(null));
                List<Double> times = done.stream().map(RunResult::timeToTarget).filter(Objects::nonNull).toList();
                row.put("reached", times.size());
                spread(row, "timeToTarget", times);
                row.put("iterationsToTargetMean", meanOrNull(done.stream().map(RunResult::iterationsToTarget)
                        .filter(Objects::nonNull).map(Long::doubleValue).toList()));
                Double ref = done.stream().map(RunResult::referenceTime).filter(Objects::nonNull).findFirst()
                        .orElse(null);
                row.put("referenceTime", ref);
                Double t = meanOrNull(times);
                row.put("ratio", t == null || ref == null || ref <= 0 ? null : t / ref);
                row.put("estimated", done.stream().anyMatch(RunResult::estimated));
            }
            rows.add(row);
        });
        return rows;
    }

    private static void spread(Map<String, Object> row, String name, List<Double> values) {
        row.put(name + "Mean", meanOrNull(values));
        row.put(name + "Std", values.size() < 2 ? null : std(values));
        row.put(name + "Min", values.stream().min(Double::compare).orElse(null));
        row.put(name + "Max", values.stream().max(Double::compare).orElse(null));
    }

    static double mean(List<Double> v) {
        return v.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
    }

    private static Double meanOrNull(List<Double> v) {
        return v.isEmpty() ? null : mean(v);
    }

    /** Sample standard deviation. */
    static double std(List<Double> v) {
        double m = mean(v);
        return Math.sqrt(v.stream().mapToDouble(x -> (x - m) * (x - m)).sum() / (v.size() - 1));
    }

    /** Writes results.csv, groups.csv, results.json and the plots into {@code out}; returns results.json's content. */
    public Map<String, Object> write(Path out) {
        List<Map<String, Object>> runRows = results.stream().map(r -> r.row(flagColumns, metrics)).toList();
        List<Map<String, Object>> groupRows = groupRows();
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("name", spec.name());
        doc.put("description", spec.description());
        if (spec.compare() != null) {
            doc.put("compare", Map.of("metric", spec.compare().metric(), "reference", spec.compare().reference()));
        }
        doc.put("runs", runRows);
        doc.put("groups", groupRows);
        try {
            Files.createDirectories(out);
            writeAtomically(out.resolve("results.csv"), csv(runRows));
            writeAtomically(out.resolve("groups.csv"), csv(groupRows));
            writeAtomically(out.resolve("results.json"), JSON.writeValueAsString(doc) + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the results into " + out + ": " + e.getMessage(), e);
        }
        new ExperimentPlots(this).write(out.resolve("plots"));
        if (spec.projection() != null) {
            doc.put("projection", new ProjectionReport(this, spec).write(out));
            try {
                writeAtomically(out.resolve("results.json"), JSON.writeValueAsString(doc) + "\n");
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write the results into " + out + ": " + e.getMessage(), e);
            }
        }
        return doc;
    }

    /** RFC 4180 CSV with the union of the rows' keys as the header. */
    static String csv(List<Map<String, Object>> rows) {
        Set<String> header = new LinkedHashSet<>();
        rows.forEach(r -> header.addAll(r.keySet()));
        StringBuilder sb = new StringBuilder(String.join(",", header)).append('\n');
        for (Map<String, Object> r : rows) {
            sb.append(header.stream().map(h -> cell(r.get(h))).collect(Collectors.joining(","))).append('\n');
        }
        return sb.toString();
    }

    private static String cell(Object v) {
        if (v == null) {
            return "";
        }
        String s = v instanceof Double d ? (d.isNaN() ? "" : String.format(Locale.ROOT, "%.6g", d)) : v.toString();
        return s.contains(",") || s.contains("\"") || s.contains("\n") ? "\"" + s.replace("\"", "\"\"") + "\"" : s;
    }

    private static void writeAtomically(Path file, String content) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(tmp, content);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
