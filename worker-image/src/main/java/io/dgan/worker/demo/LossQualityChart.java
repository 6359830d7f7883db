package io.dgan.worker.demo;

import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.CombinedDomainXYPlot;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;

/**
 * One PNG with two stacked panels sharing the iteration axis: the losses of G and D (top) and the quality metric of
 * the network-average generator (bottom: FID, or modes covered for the 2-D mixture), from metrics.jsonl records.
 */
public final class LossQualityChart {
    private LossQualityChart() {
    }

    /** {@code start}: the metric at iteration 0 (untrained generator), or null. */
    public static void write(Path file, List<Map<String, Object>> records, String metric, Double start, String title) {
        XYSeries g = new XYSeries("G loss");
        XYSeries d = new XYSeries("D loss");
        XYSeries q = new XYSeries(metric);
        if (start != null && Double.isFinite(start)) {
            q.add(0, start);
        }
        for (Map<String, Object> r : records) {
            double k = ((Number) r.get("iteration")).doubleValue();
            add(g, k, r.get("lossG"));
            add(d, k, r.get("lossD"));
            add(q, k, r.get(metric));
        }
        XYSeriesCollection losses = new XYSeriesCollection();
        losses.addSeries(g);
        losses.addSeries(d);
        XYPlot top = new XYPlot(losses, null, new NumberAxis("loss"), new XYLineAndShapeRenderer(true, false));
        XYPlot bottom = new XYPlot(new XYSeriesCollection(q), null, new NumberAxis(metric),
                new XYLineAndShapeRenderer(true, true));
        ((NumberAxis) bottom.getRangeAxis()).setAutoRangeIncludesZero(false);
        ((NumberAxis) top.getRangeAxis()).setAutoRangeIncludesZero(false);
        CombinedDomainXYPlot plot = new CombinedDomainXYPlot(new NumberAxis("iteration"));
        plot.add(top, 1);
        plot.add(bottom, 1);
        JFreeChart chart = new JFreeChart(title, JFreeChart.DEFAULT_TITLE_FONT, plot, true);
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            ChartUtils.saveChartAsPNG(tmp.toFile(), chart, 900, 700);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    private static void add(XYSeries s, double k, Object v) {
        if (v instanceof Number n && Double.isFinite(n.doubleValue())) {
            s.add(k, n.doubleValue());
        }
    }
}
