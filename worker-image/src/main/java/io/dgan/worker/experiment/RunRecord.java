package io.dgan.worker.experiment;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;

/**
 * What a finished {@code dgan train} run left in its directory, as an experiment reads it: the metrics records
 * (metrics.jsonl) with their training time, and the summary (summary.json).
 *
 * <p>Training time of a record: its {@code elapsedS} less the evaluations ({@code evalS}) of the records before it,
 * so that scoring the average model, which costs the same whatever the algorithm, does not count as training. A
 * resumed run's clock starts again at 0: its records are placed after the last time recorded before the restart.
 */
public record RunRecord(Path runDir, List<Point> points, double wallSeconds, Map<String, Double> split) {
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * One metrics record: iteration, training seconds, consensus distance, mean milliseconds per iteration since the
     * previous record (NaN when absent) and the evaluation's measures (if any).
     */
    public record Point(long iteration, double trainingSeconds, double consensus, double iterMs,
                        Map<String, Double> quality) {
    }

    /** Reads a run directory that has a summary.json (UncheckedIOException naming the file otherwise). */
    public static RunRecord read(Path runDir) {
        List<Point> points = new ArrayList<>();
        Path metrics = runDir.resolve("metrics.jsonl");
        try {
            double evalSoFar = 0;
            double offset = 0;  // a resumed run's clock starts again at 0: continue from where the last one stopped
            double previous = Double.NEGATIVE_INFINITY;
            if (Files.exists(metrics)) {
                for (String line : Files.readAllLines(metrics)) {
                    if (line.isBlank()) {
                        continue;
                    }
                    JsonNode r = JSON.readTree(line);
                    Map<String, Double> quality = new LinkedHashMap<>();
                    for (String m : Quality.KNOWN) {
                        if (r.hasNonNull(m) && r.get(m).isNumber()) {
                            quality.put(m, r.get(m).asDouble());
                        }
                    }
                    double elapsed = r.path("elapsedS").asDouble(Double.NaN);
                    if (elapsed < previous) {
                        offset += previous;
                    }
                    previous = elapsed;
                    points.add(new Point(r.path("iteration").asLong(), offset + elapsed - evalSoFar,
                            r.path("consensus").asDouble(Double.NaN), r.path("iterMs").asDouble(Double.NaN),
                            quality));
                    evalSoFar += r.path("evalS").asDouble(0);
                }
            }
            JsonNode summary = JSON.readTree(runDir.resolve("summary.json").toFile());
            Map<String, Double> split = new LinkedHashMap<>();
            JsonNode s = summary.path("iterationSplit");
            for (Iterator<Map.Entry<String, JsonNode>> it = s.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (e.getValue().isNumber()) {
                    split.put(e.getKey(), e.getValue().asDouble());
                }
            }
            return new RunRecord(runDir, List.copyOf(points), summary.path("wallSeconds").asDouble(Double.NaN),
                    Map.copyOf(split));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the run in " + runDir + ": " + e.getMessage(), e);
        }
    }

    /** The evaluations that reported {@code metric}, in iteration order. */
    public List<Point> evaluations(String metric) {
        return points.stream().filter(p -> p.quality().containsKey(metric)).toList();
    }

    /** The last evaluation's value of {@code metric}. */
    public OptionalDouble last(String metric) {
        List<Point> e = evaluations(metric);
        return e.isEmpty() ? OptionalDouble.empty() : OptionalDouble.of(e.get(e.size() - 1).quality().get(metric));
    }

    /** Mean milliseconds per iteration over the run (summary.json's iterationSplit), NaN when absent. */
    public double iterMs() {
        return split.getOrDefault("iterMs", Double.NaN);
    }

    /**
     * Mean milliseconds per iteration after the first record (start-up and JIT warm-up left out), weighted by the
     * iterations of each record; the run's mean when it has fewer than two records that carry the time.
     */
    public double steadyIterMs() {
        double ms = 0;
        long iterations = 0;
        for (int i = 1; i < points.size(); i++) {
            Point p = points.get(i);
            long n = p.iteration() - points.get(i - 1).iteration();
            if (Double.isFinite(p.iterMs()) && n > 0) {
                ms += p.iterMs() * n;
                iterations += n;
            }
        }
        return iterations > 0 ? ms / iterations : iterMs();
    }

    /** The last record's iteration (0 without records). */
    public long lastIteration() {
        return points.isEmpty() ? 0 : points.get(points.size() - 1).iteration();
    }

    /** Training seconds up to the last record. */
    public double trainingSeconds() {
        return points.isEmpty() ? Double.NaN : points.get(points.size() - 1).trainingSeconds();
    }
}
