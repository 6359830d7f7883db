package io.dgan.operator.apiserver;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/** The API server's audit log (JSON lines): which requests a user made and which the server refused. */
final class AuditLog {
    private static final ObjectMapper JSON = new ObjectMapper();

    record Request(String verb, String group, String resource, String subresource, String namespace, String name, int code) {
        String grant() {
            return (group.isEmpty() ? "" : group + "/") + resource + (subresource.isEmpty() ? "" : "/" + subresource)
                    + ":" + verb;
        }
    }

    static List<Request> requestsBy(Path log, String user) {
        try {
            return Files.readAllLines(log).stream().map(AuditLog::parse)
                    .filter(e -> e.path("stage").asText().equals("ResponseComplete"))
                    .filter(e -> user.equals(e.at("/user/username").asText()))
                    .map(e -> new Request(e.path("verb").asText(), e.at("/objectRef/apiGroup").asText(),
                            e.at("/objectRef/resource").asText(), e.at("/objectRef/subresource").asText(),
                            e.at("/objectRef/namespace").asText(), e.at("/objectRef/name").asText(),
                            e.at("/responseStatus/code").asInt()))
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code group/resource[/subresource]:verb} of every request the server refused with 403. */
    static Set<String> forbidden(List<Request> requests) {
        Set<String> out = new TreeSet<>();
        for (Request r : requests) if (r.code() == 403) out.add(r.grant() + " in " + (r.namespace().isEmpty() ? "cluster" : r.namespace()));
        return out;
    }

    static Set<String> used(List<Request> requests) {
        Set<String> out = new TreeSet<>();
        for (Request r : requests) if (r.code() < 400 || r.code() == 404 || r.code() == 409) out.add(r.grant());
        return out;
    }

    private static JsonNode parse(String line) {
        try {
            return JSON.readTree(line);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
