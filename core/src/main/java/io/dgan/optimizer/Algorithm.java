package io.dgan.optimizer;

import java.util.Arrays;
import java.util.stream.Collectors;

/** The update rules of docs/design/algorithm.md, by their command-line names. */
public enum Algorithm {
    /** Gossip, then plain simultaneous gradient descent–ascent: the control that diverges on bilinear games. */
    GDA("gda"),
    /** Decentralized parallel optimistic stochastic gradient. */
    DPOSG("dposg"),
    /** DPOSG with a per-worker Adam direction (moments local unless averaged by flag). */
    DP_OADAM("dp-oadam"),
    /** DP-OAdam on a per-iteration schedule (e.g. random ring); the same update as {@link #DP_OADAM}. */
    RAND_DP_OADAM("rand-dp-oadam"),
    /** Centralized baseline: gradients all-reduced, identical optimistic Adam on every worker, no gossip. */
    CP_OADAM("cp-oadam");

    private final String cliName;

    Algorithm(String cliName) {
        this.cliName = cliName;
    }

    public String cliName() {
        return cliName;
    }

    public boolean usesAdam() {
        return this == DP_OADAM || this == RAND_DP_OADAM || this == CP_OADAM;
    }

    public boolean usesGossip() {
        return this != CP_OADAM;
    }

    /** Parses a command-line name ("dposg", "dp-oadam", ...). */
    public static Algorithm fromCliName(String name) {
        for (Algorithm a : values()) {
            if (a.cliName.equalsIgnoreCase(name)) {
                return a;
            }
        }
        throw new IllegalArgumentException("unknown algorithm '" + name + "', expected one of "
                + Arrays.stream(values()).map(Algorithm::cliName).collect(Collectors.joining(", ")));
    }

    @Override
    public String toString() {
        return cliName;
    }
}
