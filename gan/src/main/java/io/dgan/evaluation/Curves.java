package io.dgan.evaluation;

import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Map;

/** Line charts of training curves (losses, consensus distance, FID) as PNG, via JFreeChart. */
public final class Curves {
    private final String title;
    private final String xLabel;
    private final String yLabel;
    private final boolean logScale;
    private final Map<String, XYSeries> series = new LinkedHashMap<>();

    public Curves(String title, String yLabel, boolean logScale) {
        this(title, "iteration", yLabel, logScale);
    }

    public Curves(String title, String xLabel, String yLabel, boolean logScale) {
        this.title = title;
        this.xLabel = xLabel;
        this.yLabel = yLabel;
        this.logScale = logScale;
    }

    /** Adds a point; non-finite values, and non-positive ones on a log scale, are skipped. */
    public Curves add(String name, double x, double y) {
        if (Double.isFinite(y) && (!logScale || y > 0)) {
            series.computeIfAbsent(name, n -> new XYSeries(n, false, true)).add(x, y);
        }
        return this;
    }

    /** Number of series (lines) added so far. */
    public int seriesCount() {
        return series.size();
    }

    public int points(String name) {
        XYSeries s = series.get(name);
        return s == null ? 0 : s.getItemCount();
    }

    public void writePng(Path file, int width, int height) {
        XYSeriesCollection data = new XYSeriesCollection();
        series.values().forEach(data::addSeries);
        JFreeChart chart = ChartFactory.createXYLineChart(title, xLabel, yLabel, data,
                PlotOrientation.VERTICAL, true, false, false);
        if (logScale && data.getSeriesCount() > 0) {
            XYPlot plot = chart.getXYPlot();
            LogAxis axis = new LogAxis(yLabel);
            axis.setSmallestValue(1e-12);
            plot.setRangeAxis(axis);
        }
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            ChartUtils.saveChartAsPNG(tmp.toFile(), chart, width, height);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }
}
