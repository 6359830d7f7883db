package io.dgan.topology;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** The topologies the factory knows, by their command-line names. */
public enum TopologyType {
    RING("ring", false),
    TORUS("torus", false),
    HYPERCUBE("hypercube", false),
    EXPONENTIAL("exponential", false),
    COMPLETE("complete", false),
    ONE_PEER_HYPERCUBE("one-peer-hypercube", true),
    RANDOM_RING("random-ring", true),
    RANDOM_MATCHING("random-matching", true),
    GRAPH("graph", false);

    private final String cliName;
    private final boolean schedule;

    TopologyType(String cliName, boolean schedule) {
        this.cliName = cliName;
        this.schedule = schedule;
    }

    /** The name used on the command line and in topology.json. */
    public String cliName() {
        return cliName;
    }

    /** True when W changes from iteration to iteration. */
    public boolean isSchedule() {
        return schedule;
    }

    /** Parses a command-line name (case-insensitive); the error lists the valid names. */
    public static TopologyType fromName(String name) {
        if (name != null) {
            String wanted = name.trim().toLowerCase(Locale.ROOT);
            for (TopologyType type : values()) {
                if (type.cliName.equals(wanted)) {
                    return type;
                }
            }
        }
        throw new IllegalArgumentException("unknown topology type '" + name + "'; valid types: " + validNames());
    }

    public static String validNames() {
        return Arrays.stream(values()).map(TopologyType::cliName).collect(Collectors.joining(", "));
    }

    @Override
    public String toString() {
        return cliName;
    }
}
