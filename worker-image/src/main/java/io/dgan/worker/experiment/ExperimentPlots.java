package io.dgan.worker.experiment;

import io.dgan.evaluation.Curves;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.data.category.DefaultCategoryDataset;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * An experiment's plots, one line (or bar) per group of runs that differ only in their seed, means over the seeds:
 * each quality measure against iterations and against training seconds, the consensus distance against iterations,
 * and the time per iteration split into compute, gossip/all-reduce wait, GC and the rest.
 */
final class ExperimentPlots {
    private static final int WIDTH = 900;
    private static final int HEIGHT = 560;
    /** Extra image height per legend line beyond the first few, so that a large grid's legend leaves the plot its size. */
    private static final int LEGEND_LINE = 22;
    private static final int LEGEND_LINES_INCLUDED = 6;
    /** The time split's bars share the width with their group labels (up to 60 % of it). */
    private static final int SPLIT_WIDTH = 1500;
    private final ExperimentReport report;

    ExperimentPlots(ExperimentReport report) {
        this.report = report;
    }

    void write(Path dir) {
        Map<String, List<RunResult>> groups = report.groups();
        for (String metric : report.metrics()) {
            Curves[] curves = qualityCurves(metric);
            curves[0].writePng(dir.resolve(metric + "-vs-iteration.png"), WIDTH, height(curves[0]));
            curves[1].writePng(dir.resolve(metric + "-vs-time.png"), WIDTH, height(curves[1]));
        }
        Curves consensus = new Curves("consensus distance (mean over seeds)", "iteration", "consensus distance", true);
        groups.forEach((label, members) -> {
            TreeMap<Long, double[]> sums = new TreeMap<>();
            List<RunResult> done = members.stream().filter(r -> r.record() != null).toList();
            for (RunResult r : done) {
                for (RunRecord.Point p : r.record().points()) {
                    double[] s = sums.computeIfAbsent(p.iteration(), k -> new double[2]);
                    s[0] += p.consensus();
                    s[1]++;
                }
            }
            sums.forEach((k, s) -> {
                if (s[1] == done.size()) {
                    consensus.add(legend(label), k, s[0] / s[1]);
                }
            });
        });
        consensus.writePng(dir.resolve("consensus.png"), WIDTH, height(consensus));
        writeSplit(dir.resolve("iteration-split.png"), report.groupRows());
    }

    /**
     * A quality measure's curves, means over each group's seeds: [against iterations, against training seconds].
     * Groups whose times are estimated (timing runs that borrow their curve from a run without emulation) appear
     * against time only: against iterations their line would repeat their quality runs' line.
     */
    Curves[] qualityCurves(String metric) {
        Map<String, List<RunResult>> groups = report.groups();
        Curves byIteration = new Curves(metric + " against iterations", "iteration", metric, metric.equals("fid")
                || metric.equals("kid"));
        Curves byTime = new Curves(metric + " against training time", "training seconds (estimated where "
                + "marked *)", metric, metric.equals("fid") || metric.equals("kid"));
        groups.forEach((label, members) -> {
            boolean estimated = false;
            // iteration -> [sum of values, sum of times, count]
            TreeMap<Long, double[]> sums = new TreeMap<>();
            int done = 0;
            for (RunResult r : members) {
                if (r.record() == null || r.qualityFrom() == null) {
                    continue;
                }
                done++;
                RunRecord source = sourceOf(r);
                if (source == null) {
                    continue;
                }
                boolean est = !r.qualityFrom().equals(r.run().id());
                estimated |= est;
                for (RunRecord.Point p : source.evaluations(metric)) {
                    double t = est ? p.iteration() * r.record().steadyIterMs() / 1000.0 : p.trainingSeconds();
                    double[] s = sums.computeIfAbsent(p.iteration(), k -> new double[3]);
                    s[0] += p.quality().get(metric);
                    s[1] += t;
                    s[2]++;
                }
            }
            String name = legend(label) + (estimated ? " *" : "");
            for (Map.Entry<Long, double[]> e : sums.entrySet()) {
                double[] s = e.getValue();
                if (s[2] == done) {
                    // An estimated group's values per iteration are its quality runs' (emulation only delays
                    // messages): only its time axis is new, so it is drawn against time alone.
                    if (!estimated) {
                        byIteration.add(name, e.getKey(), s[0] / s[2]);
                    }
                    byTime.add(name, s[1] / s[2], s[0] / s[2]);
                }
            }
        });
        return new Curves[]{byIteration, byTime};
    }

    /**
     * A group's name in a legend: its label without the flags it leaves unset ({@code flag=none}, the default), so
     * that a grid whose blocks set different flags reads {@code workers=8 algorithm=dp-oadam} rather than a line
     * too long for the image. Labels stay distinct: every label names the same flags, so two that differ still
     * differ in a flag at least one of them sets.
     */
    static String legend(String label) {
        String shown = java.util.Arrays.stream(label.split(" "))
                .filter(part -> !part.endsWith("=none"))
                .collect(java.util.stream.Collectors.joining(" "));
        return shown.isEmpty() ? label : shown;
    }

    /** The image height that keeps the plot area at its default size whatever the number of legend lines. */
    static int height(Curves curves) {
        return HEIGHT + Math.max(0, curves.seriesCount() - LEGEND_LINES_INCLUDED) * LEGEND_LINE;
    }

    private RunRecord sourceOf(RunResult r) {
        if (r.qualityFrom().equals(r.run().id())) {
            return r.record();
        }
        for (RunResult q : report.results()) {
            if (q.run().id().equals(r.qualityFrom())) {
                return q.record();
            }
        }
        return null;
    }

    /** Stacked horizontal bars: mean milliseconds per iteration of each group, by part. */
    private static void writeSplit(Path file, List<Map<String, Object>> groups) {
        DefaultCategoryDataset data = new DefaultCategoryDataset();
        for (Map<String, Object> g : groups) {
            String label = legend((String) g.get("group"));
            double send = number(g.get("sendMs"));
            double receive = number(g.get("receiveMs"));
            if (g.get("iterMs") == null) {
                continue;
            }
            data.addValue(number(g.get("computeMs")), "compute", label);
            data.addValue(send + receive, "gossip / all-reduce wait", label);
            data.addValue(number(g.get("gcMs")), "gc", label);
            data.addValue(number(g.get("otherMs")), "other", label);
        }
        JFreeChart chart = ChartFactory.createStackedBarChart("time per iteration (mean over seeds)", "",
                "milliseconds per iteration", data, PlotOrientation.HORIZONTAL, true, false, false);
        // Group labels are long (the flags that differ): give them up to 60 % of the width, on one line each, rather
        // than the default fraction that cuts them after a few words.
        chart.getCategoryPlot().getDomainAxis().setMaximumCategoryLabelWidthRatio(0.6f);
        int height = Math.max(HEIGHT, 120 + 28 * data.getColumnCount());
        try {
            Files.createDirectories(file.getParent());
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            ChartUtils.saveChartAsPNG(tmp.toFile(), chart, SPLIT_WIDTH, height);
            Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    private static double number(Object v) {
        return v instanceof Number n ? n.doubleValue() : 0;
    }

}
