package io.dgan.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * The shipped Grafana dashboard's panels drawn as PNG from a real Prometheus: each panel's queries evaluated over a
 * time range with {@code query_range}, one line per series, named by the panel's legend format. What Grafana would
 * draw for the same queries, without Grafana.
 */
final class DashboardFigures {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern LEGEND_LABEL = Pattern.compile("\\{\\{\\s*(\\w+)\\s*}}");

    record Panel(String title, List<String> queries, List<String> legends) {
    }

    private DashboardFigures() {
    }

    /** The dashboard's time-series panels with their queries, {@code $namespace} and {@code $job} filled in. */
    static List<Panel> panels(Path dashboard, String namespace, String job) throws IOException {
        List<Panel> out = new ArrayList<>();
        for (JsonNode panel : JSON.readTree(dashboard.toFile()).path("panels")) {
            List<String> queries = new ArrayList<>();
            List<String> legends = new ArrayList<>();
            for (JsonNode target : panel.path("targets")) {
                queries.add(target.path("expr").asText().replace("$namespace", namespace).replace("$job", job));
                legends.add(target.path("legendFormat").asText(""));
            }
            if (!queries.isEmpty()) out.add(new Panel(panel.path("title").asText(), queries, legends));
        }
        return out;
    }

    /** Draws every panel over [from, to] into {@code dir} as {@code NN-title.png}; returns the files written. */
    static List<Path> render(PrometheusServer prometheus, List<Panel> panels, Instant from, Instant to, Path dir) {
        try {
            Files.createDirectories(dir);
            List<Path> written = new ArrayList<>();
            long step = Math.max(2, (to.getEpochSecond() - from.getEpochSecond()) / 300);
            for (int i = 0; i < panels.size(); i++) {
                Panel panel = panels.get(i);
                XYSeriesCollection data = new XYSeriesCollection();
                for (int q = 0; q < panel.queries().size(); q++) {
                    JsonNode result = JSON.readTree(prometheus.get("/api/v1/query_range?query="
                            + URLEncoder.encode(panel.queries().get(q), StandardCharsets.UTF_8)
                            + "&start=" + from.getEpochSecond() + "&end=" + to.getEpochSecond() + "&step=" + step))
                            .path("data").path("result");
                    for (JsonNode series : result) {
                        XYSeries line = new XYSeries(legend(panel.legends().get(q), series.path("metric")), false, true);
                        for (JsonNode point : series.path("values")) {
                            double y = Double.parseDouble(point.get(1).asText());
                            if (Double.isFinite(y)) line.add(point.get(0).asDouble() - from.getEpochSecond(), y);
                        }
                        if (line.getItemCount() > 0 && data.getSeriesIndex(line.getKey()) < 0) data.addSeries(line);
                    }
                }
                written.add(draw(panel.title(), data, dir.resolve(String.format(Locale.ROOT, "%02d-%s.png", i + 1,
                        panel.title().toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-").replaceAll("(^-|-$)", "")))));
            }
            return written;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String legend(String format, JsonNode labels) {
        if (format.isBlank()) return labels.toString();
        Matcher m = LEGEND_LABEL.matcher(format);
        StringBuilder out = new StringBuilder();
        while (m.find()) m.appendReplacement(out, Matcher.quoteReplacement(labels.path(m.group(1)).asText("")));
        m.appendTail(out);
        return out.toString();
    }

    private static Path draw(String title, XYSeriesCollection data, Path file) throws IOException {
        NumberAxis x = new NumberAxis("seconds since the job started");
        NumberAxis y = new NumberAxis();
        y.setAutoRangeIncludesZero(false);
        XYLineAndShapeRenderer lines = new XYLineAndShapeRenderer(true, false);
        for (int s = 0; s < data.getSeriesCount(); s++) lines.setSeriesStroke(s, new BasicStroke(1.6f));
        XYPlot plot = new XYPlot(data, x, y, lines);
        plot.setBackgroundPaint(Color.WHITE);
        plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        JFreeChart chart = new JFreeChart(title, JFreeChart.DEFAULT_TITLE_FONT, plot, data.getSeriesCount() <= 16);
        chart.setBackgroundPaint(Color.WHITE);
        ChartUtils.saveChartAsPNG(file.toFile(), chart, 800, 400);
        return file;
    }
}
