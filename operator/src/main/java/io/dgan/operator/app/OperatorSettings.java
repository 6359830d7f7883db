package io.dgan.operator.app;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dgan.operator.reconcile.ClusterPolicy;
import io.dgan.operator.reconcile.GossipCertificateIssuer;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/** The operator's settings, from the environment (names in docs/operator.md); a bad value names its variable. */
public record OperatorSettings(List<String> watchNamespaces, int metricsPort, int healthPort,
                               String leaderElectionNamespace, Duration leaseDuration, Duration renewDeadline,
                               Duration retryPeriod, Duration progressInterval, ClusterPolicy policy,
                               String leaderIdentity) {
    private static final ObjectMapper JSON = new ObjectMapper();

    public static OperatorSettings fromEnvironment(Map<String, String> env) {
        String namespaces = get(env, "WATCH_NAMESPACES", "");
        int port = port(env, "METRICS_PORT", 8080);
        int healthPort = port(env, "HEALTH_PORT", 8081);
        int interval = integer(env, "PROGRESS_INTERVAL_SECONDS", 30);
        if (interval < 1) throw new IllegalArgumentException("PROGRESS_INTERVAL_SECONDS must be at least 1, got " + interval);
        int lease = integer(env, "LEADER_ELECTION_LEASE_DURATION_SECONDS", 15);
        int renew = integer(env, "LEADER_ELECTION_RENEW_DEADLINE_SECONDS", 10);
        int retry = integer(env, "LEADER_ELECTION_RETRY_PERIOD_SECONDS", 2);
        if (retry < 1) throw new IllegalArgumentException("LEADER_ELECTION_RETRY_PERIOD_SECONDS must be at least 1, got " + retry);
        if (renew <= retry) {
            throw new IllegalArgumentException("LEADER_ELECTION_RENEW_DEADLINE_SECONDS must exceed "
                    + "LEADER_ELECTION_RETRY_PERIOD_SECONDS (" + retry + "), got " + renew);
        }
        if (lease <= renew) {
            throw new IllegalArgumentException("LEADER_ELECTION_LEASE_DURATION_SECONDS must exceed "
                    + "LEADER_ELECTION_RENEW_DEADLINE_SECONDS (" + renew + "), got " + lease);
        }
        String leaderNamespace = get(env, "LEADER_ELECTION_NAMESPACE", "");
        String operatorNamespace = get(env, "OPERATOR_NAMESPACE", leaderNamespace);
        long validity = longInteger(env, "GOSSIP_CERTIFICATE_VALIDITY_SECONDS",
                io.dgan.operator.resources.GossipTlsSecret.VALIDITY.toSeconds());
        if (validity < 60) {
            throw new IllegalArgumentException("GOSSIP_CERTIFICATE_VALIDITY_SECONDS must be at least 60, got " + validity);
        }
        GossipCertificateIssuer issuer = GossipCertificateIssuer.of("GOSSIP_CERTIFICATE_ISSUER",
                get(env, "GOSSIP_CERTIFICATE_ISSUER", GossipCertificateIssuer.AUTO.value()));
        ClusterPolicy policy = new ClusterPolicy(operatorNamespace,
                selectors(env, "METRICS_NAMESPACE_SELECTORS"), labels(env, "POD_MONITOR_LABELS"),
                Duration.ofSeconds(validity), issuer);
        return new OperatorSettings(
                namespaces.isEmpty() ? List.of() : Arrays.stream(namespaces.split(",")).map(String::trim).toList(),
                port, healthPort, leaderNamespace, Duration.ofSeconds(lease), Duration.ofSeconds(renew),
                Duration.ofSeconds(retry), Duration.ofSeconds(interval), policy,
                get(env, "LEADER_ELECTION_IDENTITY", get(env, "HOSTNAME", "")));
    }

    public boolean leaderElection() {
        return !leaderElectionNamespace.isEmpty();
    }

    private static List<Map<String, String>> selectors(Map<String, String> env, String name) {
        String v = get(env, name, "");
        if (v.isEmpty()) return List.of();
        try {
            List<Map<String, String>> parsed = JSON.readValue(v, new TypeReference<>() {
            });
            for (Map<String, String> s : parsed) {
                if (s == null || s.isEmpty()) throw new IllegalArgumentException(name + ": an empty selector would admit every namespace");
            }
            return parsed;
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException(name + " must be a JSON list of label maps, e.g. "
                    + "[{\"kubernetes.io/metadata.name\":\"monitoring\"}], got '" + v + "'");
        }
    }

    private static Map<String, String> labels(Map<String, String> env, String name) {
        String v = get(env, name, "");
        if (v.isEmpty()) return Map.of();
        try {
            return JSON.readValue(v, new TypeReference<>() {
            });
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException(name + " must be a JSON map of labels, e.g. {\"release\":\"prometheus\"}, got '" + v + "'");
        }
    }

    private static int port(Map<String, String> env, String name, int fallback) {
        int port = integer(env, name, fallback);
        if (port < 0 || port > 65535) throw new IllegalArgumentException(name + " must be in 0..65535, got " + port);
        return port;
    }

    private static String get(Map<String, String> env, String name, String fallback) {
        String v = env.get(name);
        return v == null || v.isBlank() ? fallback : v.trim();
    }

    private static int integer(Map<String, String> env, String name, int fallback) {
        long v = longInteger(env, name, fallback);
        if (v != (int) v) throw new IllegalArgumentException(name + " must be an integer, got '" + v + "'");
        return (int) v;
    }

    private static long longInteger(Map<String, String> env, String name, long fallback) {
        String v = get(env, name, "");
        if (v.isEmpty()) return fallback;
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be an integer, got '" + v + "'");
        }
    }
}
