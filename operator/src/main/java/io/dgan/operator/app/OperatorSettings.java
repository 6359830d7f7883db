package io.dgan.operator.app;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/** The operator's settings, from the environment (names in docs/operator.md); a bad value names its variable. */
public record OperatorSettings(List<String> watchNamespaces, int metricsPort, String leaderElectionNamespace,
                               Duration progressInterval) {

    public static OperatorSettings fromEnvironment(Map<String, String> env) {
        String namespaces = get(env, "WATCH_NAMESPACES", "");
        int port = integer(env, "METRICS_PORT", 8080);
        if (port < 0 || port > 65535) throw new IllegalArgumentException("METRICS_PORT must be in 0..65535, got " + port);
        int interval = integer(env, "PROGRESS_INTERVAL_SECONDS", 30);
        if (interval < 1) throw new IllegalArgumentException("PROGRESS_INTERVAL_SECONDS must be at least 1, got " + interval);
        return new OperatorSettings(
                namespaces.isEmpty() ? List.of() : Arrays.stream(namespaces.split(",")).map(String::trim).toList(),
                port, get(env, "LEADER_ELECTION_NAMESPACE", ""), Duration.ofSeconds(interval));
    }

    public boolean leaderElection() {
        return !leaderElectionNamespace.isEmpty();
    }

    private static String get(Map<String, String> env, String name, String fallback) {
        String v = env.get(name);
        return v == null || v.isBlank() ? fallback : v.trim();
    }

    private static int integer(Map<String, String> env, String name, int fallback) {
        String v = get(env, name, "");
        if (v.isEmpty()) return fallback;
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be an integer, got '" + v + "'");
        }
    }
}
