package io.dgan.docs;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A part of a hand-written reference page that is generated from the code: the text between
 * {@code <!-- BEGIN GENERATED id -->} and {@code <!-- END GENERATED id -->}. A test renders the part from the code and
 * calls {@link #check}: with {@code -D<flag>=true} it rewrites the part first; either way the page must then hold
 * exactly what the code renders, so a name, label or help text changed in the code without regenerating fails there.
 * Shared with the modules' tests as dgan-core's test jar.
 */
public final class GeneratedSection {
    private GeneratedSection() {
    }

    /** Fails when {@code page}'s section {@code id} is not {@code body}; rewrites it first when {@code -D<flag>=true}. */
    public static void check(Path page, String id, String body, String flag) {
        try {
            String text = Files.readString(page, StandardCharsets.UTF_8);
            String spliced = splice(text, id, body);
            if (Boolean.getBoolean(flag) && !spliced.equals(text)) {
                Files.writeString(page, spliced, StandardCharsets.UTF_8);
                text = spliced;
            }
            if (!spliced.equals(text)) {
                throw new AssertionError(page + ", section " + id + ", is stale: regenerate it with -D" + flag
                        + "=true (the command is in the page). Expected:\n" + body);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code page} with the text between the markers of section {@code id} replaced by {@code body}. */
    public static String splice(String page, String id, String body) {
        String begin = "<!-- BEGIN GENERATED " + id + " -->\n";
        String end = "<!-- END GENERATED " + id + " -->";
        int b = page.indexOf(begin);
        int e = page.indexOf(end);
        if (b < 0 || e < b) {
            throw new AssertionError("no section " + id + " (" + begin.strip() + " ... " + end + ") in the page");
        }
        return page.substring(0, b + begin.length()) + body + page.substring(e);
    }

    /**
     * A Markdown table of the metrics in a Prometheus text exposition whose names start with {@code prefix}, in the
     * order exposed: name (counters with their {@code _total}), type, labels (from the first sample; {@code le} left
     * out), help. Label values do not appear, so any sample values will do.
     */
    public static String metricsTable(String exposition, String prefix) {
        Map<String, String[]> metrics = new LinkedHashMap<>(); // name -> {type, help, labels}
        Map<String, String> help = new LinkedHashMap<>();
        for (String line : exposition.split("\n")) {
            if (line.startsWith("# HELP ")) {
                String[] p = line.substring(7).split(" ", 2);
                help.put(p[0], p.length > 1 ? p[1].replace("\\n", " ").replace("\\\\", "\\") : "");
            } else if (line.startsWith("# TYPE ")) {
                String[] p = line.substring(7).split(" ", 2);
                if (p[0].startsWith(prefix)) {
                    metrics.put(p[0], new String[]{p[1], help.getOrDefault(p[0], ""), null});
                }
            } else if (!line.startsWith("#") && !line.isBlank()) {
                String sample = line.contains("{") ? line.substring(0, line.indexOf('{')) : line.split(" ")[0];
                for (Map.Entry<String, String[]> m : metrics.entrySet()) {
                    if (m.getValue()[2] == null && (sample.equals(m.getKey()) || sample.startsWith(m.getKey() + "_"))) {
                        m.getValue()[2] = labelNames(line);
                    }
                }
            }
        }
        StringBuilder b = new StringBuilder("| metric | type | labels | meaning (the metric's help) |\n|---|---|---|---|\n");
        for (Map.Entry<String, String[]> m : metrics.entrySet()) {
            String[] v = m.getValue();
            b.append("| `").append(m.getKey()).append("` | ").append(v[0]).append(" | ")
                    .append(v[2] == null || v[2].isEmpty() ? "" : v[2]).append(" | ")
                    .append(v[1].replace("|", "\\|")).append(" |\n");
        }
        return b.toString();
    }

    private static String labelNames(String sample) {
        if (!sample.contains("{")) {
            return "";
        }
        String inside = sample.substring(sample.indexOf('{') + 1, sample.lastIndexOf('}'));
        Set<String> names = new LinkedHashSet<>();
        boolean quoted = false;
        StringBuilder name = new StringBuilder();
        for (int i = 0; i < inside.length(); i++) {
            char c = inside.charAt(i);
            if (quoted) {
                if (c == '\\') {
                    i++;
                } else if (c == '"') {
                    quoted = false;
                }
            } else if (c == '"') {
                quoted = true;
            } else if (c == '=') {
                names.add(name.toString().strip());
                name.setLength(0);
            } else if (c != ',') {
                name.append(c);
            }
        }
        names.remove("le");
        List<String> out = new ArrayList<>();
        names.forEach(n -> out.add("`" + n + "`"));
        return String.join(", ", out);
    }
}
