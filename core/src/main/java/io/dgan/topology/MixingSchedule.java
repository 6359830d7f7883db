package io.dgan.topology;

/**
 * The mixing matrix in force at each iteration. A static topology returns the same W every iteration; a schedule
 * (one-peer hypercube pairing, random ring) derives W_k from k and a shared seed, identically on every worker,
 * so that no coordinator is needed.
 */
public interface MixingSchedule {
    /** Topology type name as used on the command line (e.g. "ring"). */
    String type();

    int workers();

    /** W in force at iteration k (k ≥ 1; rounds within an iteration use the same W). */
    MixingMatrix at(long iteration);

    /** 1 for a static topology, p for a periodic schedule, 0 for an aperiodic (random) one. */
    int period();
}
