package io.dgan.topology;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the edges of a user graph: from a string such as {@code "0-1,1-2,2-3,3-0"} (edges separated by commas,
 * semicolons or whitespace) or from a file with one edge {@code "i j"} (or {@code "i-j"}) per line, where blank
 * lines and {@code #} comments are ignored.
 */
public final class EdgeListParser {
    private EdgeListParser() {
    }

    public static List<Edge> parse(String text) {
        List<Edge> edges = new ArrayList<>();
        for (String token : text.trim().split("[,;\\s]+")) {
            if (!token.isEmpty()) {
                edges.add(parseEdge(token, token.split("-", -1), "edge '" + token + "'"));
            }
        }
        if (edges.isEmpty()) {
            throw new IllegalArgumentException("graph has no edges; expected e.g. \"0-1,1-2,2-0\"");
        }
        return edges;
    }

    public static List<Edge> parse(Path file) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("graph file " + file + " does not exist");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read graph file " + file, e);
        }
        List<Edge> edges = new ArrayList<>();
        for (int n = 0; n < lines.size(); n++) {
            String line = lines.get(n);
            int hash = line.indexOf('#');
            String content = (hash >= 0 ? line.substring(0, hash) : line).trim();
            if (!content.isEmpty()) {
                edges.add(parseEdge(content, content.split("[\\s-]+", -1), file + " line " + (n + 1)));
            }
        }
        if (edges.isEmpty()) {
            throw new IllegalArgumentException("graph file " + file + " has no edges; expected one \"i j\" per line");
        }
        return edges;
    }

    private static Edge parseEdge(String text, String[] parts, String where) {
        if (parts.length != 2) {
            throw new IllegalArgumentException(where + ": expected two worker indices like 0-1, got '" + text + "'");
        }
        try {
            int a = Integer.parseInt(parts[0].trim());
            int b = Integer.parseInt(parts[1].trim());
            return new Edge(a, b);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(where + ": expected two worker indices like 0-1, got '" + text + "'");
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(where + ": " + e.getMessage());
        }
    }
}
