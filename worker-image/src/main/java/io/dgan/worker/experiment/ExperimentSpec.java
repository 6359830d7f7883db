package io.dgan.worker.experiment;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * An experiment: a grid of {@code dgan train} runs, read from a YAML (or JSON) file.
 *
 * <pre>
 * name: ring8-dp-vs-cp
 * description: DP-OAdam against CP-OAdam on the ring of 8 Gaussians
 * train:                 # dgan train flags every run shares (without the leading --)
 *   preset: mlp-ring8
 *   iterations: 3000
 * grid:                  # one run per combination of these values
 *   algorithm: [dp-oadam, cp-oadam]
 *   workers: [2, 4]
 *   seed: [0, 1, 2]
 * compare:               # optional: time to the reference's final quality
 *   metric: modesCovered
 *   reference: {algorithm: cp-oadam}
 * </pre>
 *
 * Instead of {@code grid}, {@code grids} is a list of blocks {@code {train: {...}, grid: {...}, timing: false}}: each
 * block's {@code train} flags go on top of the spec's, and the runs of all blocks land in one results table; the
 * runs of a {@code timing: true} block measure time per iteration only. Flag values are
 * strings, numbers or booleans ({@code true}: the switch is given, {@code false}: left out). The runs' own flags
 * ({@code run-dir}, {@code resume}, {@code json}) belong to {@code dgan experiment} and are refused.
 */
public record ExperimentSpec(String name, String description, List<Block> blocks, Compare compare,
                             ProjectionSpec projection) {
    /** Flags that {@code dgan experiment} sets on each run itself. */
    static final Set<String> RESERVED = Set.of("run-dir", "resume", "json", "help", "version");
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,62}");
    private static final Pattern FLAG = Pattern.compile("[a-z][a-z0-9-]*");

    /**
     * One grid: the flags its runs share beyond the spec's, and the values to combine. {@code timing}: its runs
     * measure time only; their quality curves come from the runs with the same values (see {@link TimeToQuality}).
     */
    public record Block(Map<String, String> train, Map<String, List<String>> grid, boolean timing) {
    }

    /**
     * Time to quality: for every run, the first training time at which {@code metric} reaches the mean final value
     * of its reference runs (the runs with the same flags except those in {@code reference}, which take the given
     * values, over all seeds).
     */
    public record Compare(String metric, Map<String, String> reference) {
    }

    /**
     * The projection to larger clusters ({@link ProjectionReport}): worker counts, latencies, bandwidths, and the
     * models to project (each its parameter count, or a model and dataset to count them from, and its compute time
     * per iteration on one worker).
     */
    public record ProjectionSpec(List<Integer> workers, List<String> latency, List<String> bandwidth,
                                 List<ModelSize> models, long logEvery) {
    }

    /** A model to project: {@code parameters} of G and D together (0: count those of model on dataset). */
    public record ModelSize(String name, String model, String dataset, long parameters, double computeMs) {
    }

    /** Reads and checks a spec (IllegalArgumentException naming the file and the field on bad input). */
    public static ExperimentSpec read(Path file) {
        String text;
        try {
            text = Files.readString(file);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("spec " + file + ": no such file");
        } catch (IOException e) {
            throw new IllegalArgumentException("spec " + file + ": cannot read it: " + e.getMessage());
        }
        try {
            return parse(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("spec " + file + ": " + e.getMessage());
        }
    }

    /** Parses a spec's text (IllegalArgumentException naming the field on bad input). */
    public static ExperimentSpec parse(String text) {
        JsonNode root;
        try {
            root = new ObjectMapper(new YAMLFactory()).readTree(text);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not valid YAML or JSON: " + e.getOriginalMessage().replace('\n', ' '));
        }
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException("expected a mapping with name, train and grid (or grids)");
        }
        allowOnly(root, "", "name", "description", "train", "grid", "grids", "compare", "projection");
        String name = text(root, "name");
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("name: expected 1-63 letters, digits, '.', '_' or '-', got "
                    + (name == null ? "nothing" : "'" + name + "'"));
        }
        String description = root.has("description") ? text(root, "description") : "";
        Map<String, String> train = flags(root.get("train"), "train");
        List<Block> blocks = new ArrayList<>();
        if (root.has("grid") == root.has("grids")) {
            throw new IllegalArgumentException("expected exactly one of grid (a mapping of flag to values) and grids "
                    + "(a list of {train, grid} blocks)");
        }
        if (root.has("grid")) {
            blocks.add(new Block(train, grid(root.get("grid"), "grid"), false));
        } else {
            JsonNode list = root.get("grids");
            if (!list.isArray() || list.isEmpty()) {
                throw new IllegalArgumentException("grids: expected a non-empty list of {train, grid} blocks");
            }
            for (int i = 0; i < list.size(); i++) {
                String where = "grids[" + i + "]";
                JsonNode b = list.get(i);
                if (!b.isObject()) {
                    throw new IllegalArgumentException(where + ": expected a mapping with train and grid");
                }
                allowOnly(b, where + ".", "train", "grid", "timing");
                JsonNode timing = b.path("timing");
                if (!timing.isMissingNode() && !timing.isBoolean()) {
                    throw new IllegalArgumentException(where + ".timing: expected true or false");
                }
                Map<String, String> merged = new LinkedHashMap<>(train);
                merged.putAll(flags(b.get("train"), where + ".train"));
                blocks.add(new Block(merged, grid(b.get("grid"), where + ".grid"), timing.asBoolean(false)));
            }
        }
        Compare compare = null;
        if (root.has("compare")) {
            JsonNode c = root.get("compare");
            if (!c.isObject()) {
                throw new IllegalArgumentException("compare: expected a mapping with metric and reference");
            }
            allowOnly(c, "compare.", "metric", "reference");
            String metric = text(c, "metric");
            if (metric == null || Quality.direction(metric) == 0) {
                throw new IllegalArgumentException("compare.metric: expected one of " + Quality.KNOWN + ", got "
                        + (metric == null ? "nothing" : "'" + metric + "'"));
            }
            Map<String, String> reference = flags(c.get("reference"), "compare.reference");
            if (reference.isEmpty()) {
                throw new IllegalArgumentException("compare.reference: expected the flags that select the reference "
                        + "runs, e.g. {algorithm: cp-oadam}");
            }
            compare = new Compare(metric, reference);
        }
        ProjectionSpec projection = root.has("projection") ? projection(root.get("projection"), compare) : null;
        return new ExperimentSpec(name, description, List.copyOf(blocks), compare, projection);
    }

    private static ProjectionSpec projection(JsonNode p, Compare compare) {
        if (compare == null) {
            throw new IllegalArgumentException("projection: needs compare (the projection extrapolates the time to "
                    + "the reference's quality)");
        }
        if (!p.isObject()) {
            throw new IllegalArgumentException("projection: expected a mapping with workers, latency, bandwidth and "
                    + "models");
        }
        allowOnly(p, "projection.", "workers", "latency", "bandwidth", "models", "log-every");
        long logEvery = p.path("log-every").asLong(100);
        if (logEvery < 0) {
            throw new IllegalArgumentException("projection.log-every: expected iterations between sync points >= 0 "
                    + "(0: none), got " + logEvery);
        }
        List<Integer> workers = new ArrayList<>();
        for (String w : list(p, "workers")) {
            try {
                int m = Integer.parseInt(w);
                if (m < 2) {
                    throw new NumberFormatException();
                }
                workers.add(m);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("projection.workers: expected whole numbers >= 2, got '" + w + "'");
            }
        }
        List<ModelSize> models = new ArrayList<>();
        JsonNode list = p.get("models");
        if (list == null || !list.isArray() || list.isEmpty()) {
            throw new IllegalArgumentException("projection.models: expected a list of {name, model, dataset or "
                    + "parameters, compute-ms}");
        }
        for (int i = 0; i < list.size(); i++) {
            String where = "projection.models[" + i + "]";
            JsonNode m = list.get(i);
            if (!m.isObject()) {
                throw new IllegalArgumentException(where + ": expected a mapping");
            }
            allowOnly(m, where + ".", "name", "model", "dataset", "parameters", "compute-ms");
            String name = text(m, "name");
            long parameters = m.path("parameters").asLong(0);
            if (name == null || (parameters <= 0 && (text(m, "model") == null || text(m, "dataset") == null))) {
                throw new IllegalArgumentException(where + ": expected a name and either parameters (> 0) or a model "
                        + "and a dataset to count them from");
            }
            double computeMs = m.path("compute-ms").asDouble(Double.NaN);
            if (!(computeMs > 0)) {
                throw new IllegalArgumentException(where + ".compute-ms: expected the compute time of one iteration "
                        + "on one worker in milliseconds (> 0)");
            }
            models.add(new ModelSize(name, text(m, "model"), text(m, "dataset"), parameters, computeMs));
        }
        return new ProjectionSpec(List.copyOf(workers), list(p, "latency"), list(p, "bandwidth"), List.copyOf(models),
                logEvery);
    }

    private static List<String> list(JsonNode p, String field) {
        JsonNode v = p.get(field);
        if (v == null || !v.isArray() || v.isEmpty()) {
            throw new IllegalArgumentException("projection." + field + ": expected a non-empty list");
        }
        List<String> out = new ArrayList<>();
        for (int i = 0; i < v.size(); i++) {
            out.add(scalar(v.get(i), "projection." + field + "[" + i + "]"));
        }
        return List.copyOf(out);
    }

    /** Every run of the spec, in grid order (the first grid key varies slowest). */
    public List<PlannedRun> runs() {
        List<PlannedRun> runs = new ArrayList<>();
        Set<String> ids = new LinkedHashSet<>();
        for (int b = 0; b < blocks.size(); b++) {
            Block block = blocks.get(b);
            List<Map<String, String>> points = new ArrayList<>();
            points.add(new LinkedHashMap<>());
            for (Map.Entry<String, List<String>> axis : block.grid().entrySet()) {
                List<Map<String, String>> next = new ArrayList<>();
                for (Map<String, String> p : points) {
                    for (String v : axis.getValue()) {
                        Map<String, String> q = new LinkedHashMap<>(p);
                        q.put(axis.getKey(), v);
                        next.add(q);
                    }
                }
                points = next;
            }
            for (Map<String, String> point : points) {
                Map<String, String> flags = new LinkedHashMap<>(block.train());
                flags.putAll(point);
                String id = PlannedRun.idOf(blocks.size() > 1 ? b : -1, point);
                if (!ids.add(id)) {
                    throw new IllegalArgumentException("two runs have the id " + id + " (a value repeated in a grid)");
                }
                runs.add(new PlannedRun(id, point, flags, block.timing()));
            }
        }
        return runs;
    }

    private static void allowOnly(JsonNode node, String prefix, String... names) {
        Set<String> allowed = Set.of(names);
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!allowed.contains(f)) {
                throw new IllegalArgumentException(prefix + f + ": unknown field (expected "
                        + String.join(", ", names) + ")");
            }
        }
    }

    private static String text(JsonNode node, String field) {
        JsonNode v = node.get(field);
        return v == null || v.isNull() ? null : v.isValueNode() ? v.asText() : null;
    }

    /** A mapping of flag to one scalar value. */
    private static Map<String, String> flags(JsonNode node, String where) {
        Map<String, String> out = new LinkedHashMap<>();
        if (node == null || node.isNull()) {
            return out;
        }
        if (!node.isObject()) {
            throw new IllegalArgumentException(where + ": expected a mapping of dgan train flag to value");
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String flag = flag(e.getKey(), where);
            out.put(flag, scalar(e.getValue(), where + "." + flag));
        }
        return out;
    }

    /** A mapping of flag to a non-empty list of values (a single scalar is a list of one). */
    private static Map<String, List<String>> grid(JsonNode node, String where) {
        if (node == null || !node.isObject() || node.isEmpty()) {
            throw new IllegalArgumentException(where + ": expected a mapping of dgan train flag to a list of values");
        }
        Map<String, List<String>> out = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String flag = flag(e.getKey(), where);
            JsonNode v = e.getValue();
            List<String> values = new ArrayList<>();
            if (v.isArray()) {
                for (int i = 0; i < v.size(); i++) {
                    values.add(scalar(v.get(i), where + "." + flag + "[" + i + "]"));
                }
            } else {
                values.add(scalar(v, where + "." + flag));
            }
            if (values.isEmpty()) {
                throw new IllegalArgumentException(where + "." + flag + ": expected at least one value");
            }
            if (new LinkedHashSet<>(values).size() != values.size()) {
                throw new IllegalArgumentException(where + "." + flag + ": a value is listed twice: " + values);
            }
            out.put(flag, List.copyOf(values));
        }
        return out;
    }

    private static String flag(String key, String where) {
        String flag = key.startsWith("--") ? key.substring(2) : key;
        if (!FLAG.matcher(flag).matches()) {
            throw new IllegalArgumentException(where + "." + key + ": expected a dgan train flag name such as "
                    + "workers or emulate-latency");
        }
        if (RESERVED.contains(flag)) {
            throw new IllegalArgumentException(where + "." + flag + ": set by dgan experiment itself (each run gets "
                    + "its own --run-dir; rerunning the experiment resumes), not allowed in a spec");
        }
        return flag;
    }

    private static String scalar(JsonNode v, String where) {
        if (v == null || v.isNull() || !v.isValueNode()) {
            throw new IllegalArgumentException(where + ": expected a string, number or boolean");
        }
        return v.asText();
    }
}
