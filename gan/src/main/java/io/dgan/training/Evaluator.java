package io.dgan.training;

import io.dgan.model.GanModel;

import java.nio.file.Path;
import java.util.Map;

/** Judges a generator (the network average) and writes pictures into the run directory. */
public interface Evaluator {
    /** Metrics by name (written to metrics.jsonl and summary.json). */
    Map<String, Object> evaluate(GanModel model, long iteration, Path runDir);
}
