package io.dgan.worker.experiment;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One row of an experiment's results: a planned run, what it left (null when it has not finished), where its quality
 * curve comes from, and its time to the comparison's target.
 *
 * @param status         done, diverged (its training did: a result of its settings), failed or pending
 * @param record         the finished run's records (null unless done)
 * @param qualityFrom    the id of the run whose evaluations give this run's quality curve: its own, or for a
 *                       timing run without evaluations the run with the same flags except link emulation, run
 *                       length and process/thread workers (none of which changes a value, so the curve per
 *                       iteration is the same); null when none has the metric
 * @param estimated      whether times to quality come from this run's time per iteration and another run's curve
 * @param target         the comparison's target (the reference runs' mean final value), null without a comparison
 * @param timeToTarget   training seconds to the first evaluation that reaches the target, null if none does
 * @param referenceTime  the reference runs' mean training seconds to their final evaluation
 * @param iterationsToTarget the iteration of the first evaluation that reaches the target, null if none does
 */
public record RunResult(PlannedRun run, String status, RunRecord record, String qualityFrom, boolean estimated,
                        Double target, Double timeToTarget, Double referenceTime, Long iterationsToTarget) {
    /** timeToTarget / referenceTime, null when either is missing. */
    public Double ratio() {
        return timeToTarget == null || referenceTime == null || referenceTime <= 0 ? null
                : timeToTarget / referenceTime;
    }

    /** The columns of results.csv and the fields of results.json's runs, in order. */
    public Map<String, Object> row(List<String> flagColumns, List<String> metrics) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("id", run.id());
        for (String f : flagColumns) {
            row.put(f, run.flags().get(f));
        }
        row.put("status", status);
        if (record != null) {
            row.put("iterations", record.lastIteration());
            row.put("trainingSeconds", record.trainingSeconds());
            row.put("wallSeconds", record.wallSeconds());
            row.put("steadyIterMs", record.steadyIterMs());
            for (String k : List.of("iterMs", "computeMs", "sendMs", "receiveMs", "gcMs", "otherMs")) {
                row.put(k, record.split().get(k));
            }
            List<RunRecord.Point> points = record.points();
            row.put("consensus", points.isEmpty() ? null : points.get(points.size() - 1).consensus());
            for (String m : metrics) {
                row.put(m, record.last(m).isPresent() ? record.last(m).getAsDouble() : null);
            }
        }
        row.put("qualityFrom", qualityFrom);
        row.put("estimated", estimated);
        row.put("target", target);
        row.put("timeToTarget", timeToTarget);
        row.put("iterationsToTarget", iterationsToTarget);
        row.put("referenceTime", referenceTime);
        row.put("ratio", ratio());
        return row;
    }
}
