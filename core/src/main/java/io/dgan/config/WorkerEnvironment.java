package io.dgan.config;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The worker's configuration as docs/worker-contract.md defines it, read from environment variables (the operator
 * sets them on every worker pod; local mode sets them on child processes). Parsing validates every value and
 * names the variable in the error, so a misconfigured pod fails at start with one clear line.
 *
 * <p>Flags win over the environment in the CLI; this class is the environment half of that contract.
 */
public record WorkerEnvironment(int rank, int worldSize, String jobName, String namespace,
                                Optional<String> peerTemplate, List<String> peers, int gossipPort, int metricsPort,
                                Optional<Path> topologyFile, Optional<Path> configFile, Optional<Path> runDir,
                                Optional<Path> checkpointDir) {
    public static final int DEFAULT_GOSSIP_PORT = 7070;
    public static final int DEFAULT_METRICS_PORT = 9090;

    public static WorkerEnvironment fromSystem() {
        return parse(System.getenv());
    }

    public static WorkerEnvironment parse(Map<String, String> env) {
        int worldSize = integer(env, "WORLD_SIZE", null);
        if (worldSize < 1) throw bad("WORLD_SIZE", "must be at least 1, got " + worldSize);
        int rank = integer(env, "RANK", null);
        if (rank < 0 || rank >= worldSize) {
            throw bad("RANK", "must be in 0.." + (worldSize - 1) + " (WORLD_SIZE=" + worldSize + "), got " + rank);
        }
        String job = value(env, "DGAN_JOB_NAME").orElseThrow(() -> bad("DGAN_JOB_NAME", "is required"));
        String namespace = value(env, "DGAN_NAMESPACE").orElse("");
        Optional<String> template = value(env, "DGAN_PEER_TEMPLATE");
        List<String> peers = new ArrayList<>();
        value(env, "DGAN_PEERS").ifPresent(list -> {
            for (String p : list.split(",")) peers.add(p.trim());
        });
        if (template.isPresent() && !peers.isEmpty()) {
            throw bad("DGAN_PEERS", "give either DGAN_PEER_TEMPLATE or DGAN_PEERS, not both");
        }
        if (template.isPresent()) {
            String t = template.get();
            if (!t.contains("{rank}")) throw bad("DGAN_PEER_TEMPLATE", "must contain {rank}, got '" + t + "'");
            hostPort("DGAN_PEER_TEMPLATE", t.replace("{rank}", "0"));
        } else if (!peers.isEmpty()) {
            if (peers.size() != worldSize) {
                throw bad("DGAN_PEERS", "lists " + peers.size() + " addresses for WORLD_SIZE=" + worldSize);
            }
            for (String p : peers) hostPort("DGAN_PEERS", p);
        } else if (worldSize > 1) {
            throw bad("DGAN_PEER_TEMPLATE", "is required (or DGAN_PEERS) when WORLD_SIZE > 1");
        }
        int gossipPort = integer(env, "DGAN_GOSSIP_PORT", DEFAULT_GOSSIP_PORT);
        if (gossipPort < 1 || gossipPort > 65535) throw bad("DGAN_GOSSIP_PORT", "must be in 1..65535, got " + gossipPort);
        int metricsPort = integer(env, "DGAN_METRICS_PORT", DEFAULT_METRICS_PORT);
        if (metricsPort < 0 || metricsPort > 65535) {
            throw bad("DGAN_METRICS_PORT", "must be in 0..65535 (0 = off), got " + metricsPort);
        }
        return new WorkerEnvironment(rank, worldSize, job, namespace, template, List.copyOf(peers), gossipPort,
                metricsPort, path(env, "DGAN_TOPOLOGY_FILE"), path(env, "DGAN_CONFIG_FILE"), path(env, "DGAN_RUN_DIR"),
                path(env, "DGAN_CHECKPOINT_DIR"));
    }

    /** host:port of a peer. */
    public String peerAddress(int peerRank) {
        if (peerRank < 0 || peerRank >= worldSize) {
            throw new IllegalArgumentException("peer rank " + peerRank + " outside 0.." + (worldSize - 1));
        }
        if (peerTemplate.isPresent()) return peerTemplate.get().replace("{rank}", Integer.toString(peerRank));
        if (!peers.isEmpty()) return peers.get(peerRank);
        throw new IllegalStateException("no peer addresses configured (WORLD_SIZE=1)");
    }

    private static Optional<String> value(Map<String, String> env, String name) {
        String v = env.get(name);
        return v == null || v.isBlank() ? Optional.empty() : Optional.of(v.trim());
    }

    private static int integer(Map<String, String> env, String name, Integer fallback) {
        Optional<String> v = value(env, name);
        if (v.isEmpty()) {
            if (fallback == null) throw bad(name, "is required");
            return fallback;
        }
        try {
            return Integer.parseInt(v.get());
        } catch (NumberFormatException e) {
            throw bad(name, "must be an integer, got '" + v.get() + "'");
        }
    }

    private static Optional<Path> path(Map<String, String> env, String name) {
        return value(env, name).map(v -> {
            Path p = Path.of(v);
            if (!p.isAbsolute()) throw bad(name, "must be an absolute path, got '" + v + "'");
            return p;
        });
    }

    private static void hostPort(String name, String address) {
        int colon = address.lastIndexOf(':');
        if (colon <= 0 || colon == address.length() - 1) {
            throw bad(name, "address '" + address + "' is not host:port");
        }
        try {
            int port = Integer.parseInt(address.substring(colon + 1));
            if (port < 1 || port > 65535) throw bad(name, "port of '" + address + "' outside 1..65535");
        } catch (NumberFormatException e) {
            throw bad(name, "port of '" + address + "' is not a number");
        }
    }

    private static IllegalArgumentException bad(String name, String what) {
        return new IllegalArgumentException(name + " " + what);
    }
}
