package io.dgan.worker.experiment;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static io.dgan.worker.experiment.ExperimentReport.mean;
import static io.dgan.worker.experiment.ExperimentReport.without;

/**
 * Time to quality: where each run's quality curve comes from (its own evaluations, or for a timing run those of the
 * same run without emulation), the target (its reference runs' mean final value), the training time to the first
 * evaluation that reaches it, and the reference's time to its final evaluation.
 */
final class TimeToQuality {
    /**
     * Flags that change how long a run is, how its links are emulated or whether its workers are processes or
     * threads, but not its values per iteration: emulation only delays messages, and worker processes over gRPC end
     * bit-identical to threads (MultiProcessGanTest). A timing run takes its curve from a run that differs from it
     * only in these. {@code --log-every} is not among them: it changes no value, but its sync points cost time, so a
     * timing run must have the cadence of the run whose curve it borrows.
     */
    static final Set<String> TIMING_FLAGS = Set.of("emulate-latency", "emulate-bandwidth", "iterations",
            "eval-every", "checkpoint-every", "in-process", "insecure-plaintext");

    private final ExperimentSpec spec;
    private final List<PlannedRun> runs;
    private final Map<String, RunRecord> records;
    private final String metric;
    private final Map<String, String> source = new LinkedHashMap<>();

    /** @param records the finished runs by id; {@code metric} the measure (null when no run evaluated one) */
    TimeToQuality(ExperimentSpec spec, List<PlannedRun> runs, Map<String, RunRecord> records, String metric) {
        this.spec = spec;
        this.runs = runs;
        this.records = records;
        this.metric = metric;
        for (PlannedRun r : runs) {
            source.put(r.id(), metric == null ? null : qualitySource(r, runs, records, metric));
        }
    }

    /** One result per planned run, in plan order. */
    List<RunResult> results(Map<String, String> status) {
        List<RunResult> results = new ArrayList<>();
        for (PlannedRun r : runs) {
            RunRecord rec = records.get(r.id());
            String from = source.get(r.id());
            boolean estimated = from != null && !from.equals(r.id());
            Double target = null;
            Double time = null;
            Double referenceTime = null;
            Long iterations = null;
            if (spec.compare() != null && rec != null && from != null) {
                Map<String, String> reference = spec.compare().reference();
                // A timing run takes its curve's run's target, whose reference runs are full runs over every seed,
                // not the timing runs beside it.
                List<Double> finals = estimated ? finals(byId(from), reference) : List.of();
                if (finals.isEmpty()) {
                    finals = finals(r, reference);
                }
                List<Double> refTimes = new ArrayList<>();
                for (PlannedRun q : referenceRuns(r, runs, reference)) {
                    RunRecord qr = records.get(q.id());
                    String qs = source.get(q.id());
                    if (qr != null && qs != null) {
                        List<RunRecord.Point> curve = records.get(qs).evaluations(metric);
                        refTimes.add(timeAt(curve.get(curve.size() - 1), qr, !qs.equals(q.id())));
                    }
                }
                if (!finals.isEmpty() && !refTimes.isEmpty()) {
                    target = mean(finals);
                    referenceTime = mean(refTimes);
                    for (RunRecord.Point p : records.get(from).evaluations(metric)) {
                        if (Quality.reaches(metric, p.quality().get(metric), target)) {
                            time = timeAt(p, rec, estimated);
                            iterations = p.iteration();
                            break;
                        }
                    }
                }
            }
            results.add(new RunResult(r, status.get(r.id()), rec, from, estimated, target, time, referenceTime,
                    iterations));
        }
        return results;
    }

    /** The final values of {@code metric} of r's reference runs that finished (from their curves). */
    private List<Double> finals(PlannedRun r, Map<String, String> reference) {
        List<Double> finals = new ArrayList<>();
        for (PlannedRun q : referenceRuns(r, runs, reference)) {
            String qs = source.get(q.id());
            if (records.get(q.id()) != null && qs != null) {
                finals.add(records.get(qs).last(metric).orElseThrow());
            }
        }
        return finals;
    }

    private PlannedRun byId(String id) {
        return runs.stream().filter(r -> r.id().equals(id)).findFirst().orElseThrow();
    }

    /**
     * Training seconds at an evaluation: measured in the run itself, or the run's steady time per iteration × the
     * iteration.
     */
    private static double timeAt(RunRecord.Point p, RunRecord run, boolean estimated) {
        return estimated ? p.iteration() * run.steadyIterMs() / 1000.0 : p.trainingSeconds();
    }

    /**
     * The run whose evaluations give {@code r}'s quality curve: r itself, unless r is a timing run; then the
     * finished run that is not a timing run, has the most evaluations of {@code metric} and whose flags equal r's
     * except {@link #TIMING_FLAGS} (null when there is none: no estimate).
     */
    static String qualitySource(PlannedRun r, List<PlannedRun> runs, Map<String, RunRecord> records, String metric) {
        RunRecord own = records.get(r.id());
        if (!r.timing()) {
            return own != null && !own.evaluations(metric).isEmpty() ? r.id() : null;
        }
        Map<String, String> key = without(r.flags(), TIMING_FLAGS);
        String best = null;
        int bestCount = 0;
        for (PlannedRun q : runs) {
            RunRecord rec = records.get(q.id());
            if (q.timing() || rec == null || !without(q.flags(), TIMING_FLAGS).equals(key)) {
                continue;
            }
            int n = rec.evaluations(metric).size();
            if (n > bestCount) {
                best = q.id();
                bestCount = n;
            }
        }
        return best;
    }

    /**
     * The runs with r's flags, the reference's values put in, any seed; when there are none, the runs with the
     * reference's values that agree with r on every flag they set, run lengths aside (a CP-OAdam run sets no
     * topology, so it is the reference of DP-OAdam runs on every topology; a longer DP-OAdam run is compared with
     * the CP-OAdam runs of the grid it extends).
     */
    static List<PlannedRun> referenceRuns(PlannedRun r, List<PlannedRun> runs, Map<String, String> reference) {
        Map<String, String> wanted = new LinkedHashMap<>(r.flags());
        wanted.putAll(reference);
        Map<String, String> key = without(wanted, Set.of("seed"));
        List<PlannedRun> exact = runs.stream().filter(q -> without(q.flags(), Set.of("seed")).equals(key)).toList();
        if (!exact.isEmpty()) {
            return exact;
        }
        Set<String> aside = Set.of("seed", "iterations", "log-every", "eval-every", "checkpoint-every");
        Map<String, String> wantedAside = without(wanted, aside);
        return runs.stream().filter(q -> {
            Map<String, String> f = without(q.flags(), aside);
            return reference.entrySet().stream().allMatch(e -> e.getValue().equals(f.get(e.getKey())))
                    && f.entrySet().stream().allMatch(e -> e.getValue().equals(wantedAside.get(e.getKey())));
        }).toList();
    }

}
