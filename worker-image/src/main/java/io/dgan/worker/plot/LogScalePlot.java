package io.dgan.worker.plot;

import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A line chart with a logarithmic y axis, written as PNG (headless). Points with y ≤ 0 or not finite cannot be
 * drawn on a log axis and are skipped. Usage: {@code new LogScalePlot("title", "iteration", "value")
 * .add("residual", x, y)... .writePng(path, 900, 500)}.
 */
public final class LogScalePlot {
    private final String title;
    private final String xLabel;
    private final String yLabel;
    private final Map<String, XYSeries> series = new LinkedHashMap<>();

    public LogScalePlot(String title, String xLabel, String yLabel) {
        this.title = title;
        this.xLabel = xLabel;
        this.yLabel = yLabel;
    }

    /** Adds one point to the named series (created on first use, in order). */
    public LogScalePlot add(String name, double x, double y) {
        XYSeries s = series.computeIfAbsent(name, n -> new XYSeries(n, false, true));
        if (y > 0 && Double.isFinite(y) && Double.isFinite(x)) {
            s.add(x, y);
        }
        return this;
    }

    public void writePng(Path file, int width, int height) throws IOException {
        System.setProperty("java.awt.headless", "true");
        XYSeriesCollection data = new XYSeriesCollection();
        for (XYSeries s : series.values()) {
            if (s.getItemCount() > 0) {
                data.addSeries(s);
            }
        }
        LogAxis y = new LogAxis(yLabel);
        y.setSmallestValue(1e-300);
        XYPlot plot = new XYPlot(data, new NumberAxis(xLabel), y, new XYLineAndShapeRenderer(true, false));
        JFreeChart chart = new JFreeChart(title, JFreeChart.DEFAULT_TITLE_FONT, plot, true);
        ChartUtils.saveChartAsPNG(file.toFile(), chart, width, height);
    }
}
