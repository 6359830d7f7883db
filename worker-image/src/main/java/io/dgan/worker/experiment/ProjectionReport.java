package io.dgan.worker.experiment;

import io.dgan.evaluation.Curves;
import io.dgan.model.GanModels;
import io.dgan.model.Shape;
import io.dgan.transport.grpc.LinkEmulation;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The projection of an experiment to larger clusters, and its check against the experiment's own runs.
 *
 * <p>Check ({@code projection-check.csv}): for every group of runs with emulated latency, the model's time per
 * iteration — the same group's measured time without latency plus the model's added latency cost
 * ({@link Projection}) — against the measured one.
 *
 * <p>Projection ({@code projection.csv}, {@code plots/projection-*.png}): time to the reference's quality =
 * iterations to it (measured: per algorithm, mean over seeds of the group with the most workers) × the model's
 * time per iteration, for every model size, worker count, latency and bandwidth of the spec, and its ratio to the
 * reference algorithm's ({@code atLeast}: an algorithm with a seed that never reached the target, counted at its
 * last evaluation). Assumed: the iterations to quality measured at the largest M hold at every M (fixed batch per
 * worker), and each worker has its node's egress to itself.
 */
final class ProjectionReport {
    private final ExperimentReport report;
    private final ExperimentSpec.ProjectionSpec projection;
    private final String referenceAlgorithm;
    private final List<String> lowerBounds = new ArrayList<>();

    ProjectionReport(ExperimentReport report, ExperimentSpec spec) {
        this.report = report;
        this.projection = spec.projection();
        this.referenceAlgorithm = spec.compare().reference().get("algorithm");
        if (referenceAlgorithm == null) {
            throw new IllegalArgumentException("projection: compare.reference must name the reference algorithm, "
                    + "e.g. {algorithm: cp-oadam}");
        }
    }

    Map<String, Object> write(Path out) {
        List<Map<String, Object>> check = check();
        Map<String, Double> iterations = iterationsToTarget();
        List<Map<String, Object>> rows = new ArrayList<>();
        for (ExperimentSpec.ModelSize model : projection.models()) {
            long params = model.parameters() > 0 ? model.parameters() : countParameters(model.model(), model.dataset());
            for (String bw : projection.bandwidth()) {
                double rate = LinkEmulation.parseBandwidth("projection.bandwidth", bw);
                Curves plot = new Curves("time to " + referenceAlgorithm + "'s final quality, " + model.name() + ", "
                        + bw + ": ratio to " + referenceAlgorithm, "log2 workers", "ratio", true);
                for (String lat : projection.latency()) {
                    double alpha = LinkEmulation.parseLatency("projection.latency", lat).toNanos() / 1e9;
                    for (int m : projection.workers()) {
                        Projection p = new Projection(model.computeMs() / 1000, 4 * params, 1, projection.logEvery());
                        double refTime = iterations.containsKey(referenceAlgorithm)
                                ? iterations.get(referenceAlgorithm) * p.iterationSeconds(referenceAlgorithm, m, alpha,
                                rate) : Double.NaN;
                        for (Map.Entry<String, Double> e : iterations.entrySet()) {
                            double iter = p.iterationSeconds(e.getKey(), m, alpha, rate);
                            Map<String, Object> row = new LinkedHashMap<>();
                            row.put("model", model.name());
                            row.put("parameters", params);
                            row.put("computeMs", model.computeMs());
                            row.put("algorithm", e.getKey());
                            row.put("workers", m);
                            row.put("latency", lat);
                            row.put("bandwidth", bw);
                            row.put("iterationMs", iter * 1000);
                            row.put("communicationMs", p.communicationSeconds(e.getKey(), m, alpha, rate) * 1000);
                            row.put("syncMs", p.syncSeconds(m, alpha, rate) * 1000);
                            row.put("iterationsToTarget", e.getValue());
                            double ttq = e.getValue() * iter;
                            row.put("timeToTargetSeconds", ttq);
                            row.put("ratio", ttq / refTime);
                            row.put("atLeast", lowerBounds.contains(e.getKey()));
                            rows.add(row);
                            if (!e.getKey().equals(referenceAlgorithm)) {
                                plot.add(e.getKey() + " " + lat, Math.log(m) / Math.log(2), ttq / refTime);
                            }
                        }
                    }
                }
                plot.writePng(out.resolve("plots").resolve("projection-" + model.name() + "-"
                        + bw.replaceAll("[^A-Za-z0-9.]", "") + ".png"), 900, 560);
            }
        }
        try {
            write(out.resolve("projection.csv"), ExperimentReport.csv(rows));
            write(out.resolve("projection-check.csv"), ExperimentReport.csv(check));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the projection into " + out + ": " + e.getMessage(), e);
        }
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("iterationsToTarget", iterations);
        doc.put("notReachedBy", lowerBounds());
        doc.put("check", check);
        List<Double> errors = check.stream().map(r -> (Double) r.get("error")).filter(Objects::nonNull)
                .map(Math::abs).toList();
        doc.put("checkMeanAbsError", errors.isEmpty() ? null : ExperimentReport.mean(errors));
        doc.put("checkMaxAbsError", errors.stream().max(Double::compare).orElse(null));
        doc.put("rows", rows.size());
        return doc;
    }

    /**
     * Per algorithm, the iterations to the target, mean over the seeds, of its group with the most workers (then the
     * longest runs) among the groups that evaluated themselves: the reference's own final evaluation for the
     * reference algorithm. A seed that never reached the target counts with its last evaluation, and the
     * algorithm is named in {@link #lowerBounds()}: its time to quality is at least the projected one.
     */
    Map<String, Double> iterationsToTarget() {
        Map<String, Double> out = new LinkedHashMap<>();
        Map<String, long[]> chosen = new LinkedHashMap<>();  // algorithm -> {workers, iterations}
        lowerBounds.clear();
        Map<String, Boolean> bound = new LinkedHashMap<>();
        report.groups().forEach((label, members) -> {
            List<RunResult> done = members.stream().filter(r -> r.record() != null && !r.estimated()
                    && r.target() != null).toList();
            if (done.isEmpty() || done.get(0).run().flags().get("algorithm") == null) {
                return;
            }
            String algorithm = done.get(0).run().flags().get("algorithm");
            long workers = Long.parseLong(done.get(0).run().flags().getOrDefault("workers", "4"));
            long length = done.get(0).record().lastIteration();
            long[] best = chosen.get(algorithm);
            if (best != null && (workers < best[0] || (workers == best[0] && length <= best[1]))) {
                return;
            }
            List<Double> its = new ArrayList<>();
            boolean notReached = false;
            for (RunResult r : done) {
                List<RunRecord.Point> e = r.record().evaluations(report.primaryMetric());
                double last = e.get(e.size() - 1).iteration();
                if (algorithm.equals(referenceAlgorithm)) {
                    its.add(last);
                } else if (r.iterationsToTarget() != null) {
                    its.add(r.iterationsToTarget().doubleValue());
                } else {
                    its.add(last);
                    notReached = true;
                }
            }
            chosen.put(algorithm, new long[]{workers, length});
            out.put(algorithm, ExperimentReport.mean(its));
            bound.put(algorithm, notReached);
        });
        bound.forEach((a, b) -> {
            if (b) {
                lowerBounds.add(a);
            }
        });
        return out;
    }

    /** The algorithms with a seed that never reached the target (after {@link #iterationsToTarget()}). */
    List<String> lowerBounds() {
        return List.copyOf(lowerBounds);
    }

    /** The model against every group with emulated latency that has a twin group without it. */
    List<Map<String, Object>> check() {
        List<Map<String, Object>> rows = new ArrayList<>();
        Map<String, List<RunResult>> groups = report.groups();
        for (List<RunResult> members : groups.values()) {
            RunResult first = members.stream().filter(r -> r.record() != null).findFirst().orElse(null);
            if (first == null) {
                continue;
            }
            Map<String, String> flags = first.run().flags();
            double alpha = latency(flags.get("emulate-latency"));
            if (alpha <= 0) {
                continue;
            }
            RunResult base = null;
            for (List<RunResult> other : groups.values()) {
                for (RunResult o : other) {
                    Map<String, String> f = new LinkedHashMap<>(o.run().flags());
                    if (o.record() != null && latency(f.get("emulate-latency")) == 0
                            && sameExceptLatencyAndSeed(f, flags)) {
                        base = o;
                    }
                }
            }
            if (base == null) {
                continue;
            }
            String algorithm = flags.getOrDefault("algorithm", "dp-oadam");
            int workers = Integer.parseInt(flags.getOrDefault("workers", "4"));
            double rate = flags.containsKey("emulate-bandwidth")
                    ? LinkEmulation.parseBandwidth("--emulate-bandwidth", flags.get("emulate-bandwidth")) : 0;
            long bytes = parameterBytes(first);
            int rounds = Integer.parseInt(flags.getOrDefault("gossip-rounds", "1"));
            long logEvery = Long.parseLong(flags.getOrDefault("log-every", "10"));  // dgan train's default
            Projection p = new Projection(0, bytes, rounds, logEvery);
            double r = rate > 0 ? rate : Double.POSITIVE_INFINITY;
            double added = (p.communicationSeconds(algorithm, workers, alpha, r)
                    - p.communicationSeconds(algorithm, workers, 0, r)) * 1000;
            double baseMs = mean(sameGroup(groups, base));
            double measured = mean(members);
            double predicted = baseMs + added;
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("group", report.label(first.run()));
            row.put("algorithm", algorithm);
            row.put("workers", workers);
            row.put("latency", flags.get("emulate-latency"));
            row.put("bandwidth", flags.getOrDefault("emulate-bandwidth", "unlimited"));
            row.put("measuredMsWithoutLatency", baseMs);
            row.put("modelAddedMs", added);
            row.put("predictedMs", predicted);
            row.put("measuredMs", measured);
            row.put("error", (predicted - measured) / measured);
            rows.add(row);
        }
        return rows;
    }

    private static List<RunResult> sameGroup(Map<String, List<RunResult>> groups, RunResult member) {
        return groups.values().stream().filter(g -> g.contains(member)).findFirst().orElse(List.of(member));
    }

    /** Mean steady milliseconds per iteration of the finished runs. */
    private static double mean(List<RunResult> runs) {
        return ExperimentReport.mean(runs.stream().filter(r -> r.record() != null)
                .map(r -> r.record().steadyIterMs()).filter(Double::isFinite).toList());
    }

    private static boolean sameExceptLatencyAndSeed(Map<String, String> a, Map<String, String> b) {
        Map<String, String> x = new LinkedHashMap<>(a);
        Map<String, String> y = new LinkedHashMap<>(b);
        for (Map<String, String> m : List.of(x, y)) {
            m.remove("emulate-latency");
            m.remove("seed");
        }
        return x.equals(y);
    }

    private static double latency(String text) {
        return text == null ? 0 : LinkEmulation.parseLatency("--emulate-latency", text).toNanos() / 1e9;
    }

    /** Bytes of G and D: the size of the run's params-rank0.f32 (float32 G then D). */
    private static long parameterBytes(RunResult r) {
        Path dir = r.record().runDir();
        try {
            return Files.size(dir.resolve("params-rank0.f32"));
        } catch (IOException e) {
            return 0;
        }
    }

    /** Parameters of G and D of a model on a dataset's sample shape. */
    static long countParameters(String model, String dataset) {
        Shape shape = switch (dataset) {
            case "cifar10" -> Shape.image(3, 32, 32);
            case "fashion-mnist", "mnist" -> Shape.image(1, 28, 28);
            case "ring8", "grid25" -> Shape.vector(2);
            default -> throw new IllegalArgumentException("projection: no sample shape for dataset '" + dataset
                    + "' (cifar10, fashion-mnist, mnist, ring8, grid25)");
        };
        return GanModels.create(model, shape, 0).players().stream().mapToLong(p -> p.length()).sum();
    }

    private static void write(Path file, String content) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(tmp, content);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
