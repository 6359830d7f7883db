package io.dgan.optimizer;

/**
 * Which gradient a decentralized worker's Adam second moment v is formed from.
 *
 * <p>With {@link #LOCAL} (DP-OAdam as reconstructed in algorithm.md) v sees the gradient of this worker's own
 * batch, whose variance is M times that of CP-OAdam's all-reduced gradient: v is larger and every step smaller.
 * {@link #NEIGHBOURHOOD} forms v from a copy of the gradient gossiped with the neighbours' like the parameters (one
 * more gradient-sized vector per player and round; with one round its noise variance is Σ_j W_ij² of the local one,
 * 1/3 on a ring with weights 1/3, against 1/M for CP-OAdam's all-reduced gradient); the first
 * moment m stays local. On the complete graph v is then CP-OAdam's v (and with averaged moments, m is CP-OAdam's m;
 * what still differs is each worker's extrapolation point, from its own last direction).
 *
 * <p>{@link #GLOBAL} forms v from a copy of the gradient averaged over every worker by a ring all-reduce: CP-OAdam's
 * v, while the parameters and m stay decentralized. It is not a decentralized method (an all-reduce per iteration,
 * as CP-OAdam's), but a measurement: the part of the DP/CP gap that v accounts for is what GLOBAL removes, and what
 * it leaves is the cost of the parameters' own mixing.
 */
public enum SecondMoment {
    LOCAL,
    NEIGHBOURHOOD,
    GLOBAL;

    /** The name on the command line and in config files. */
    public String cliName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    public static SecondMoment fromCliName(String name) {
        for (SecondMoment s : values()) {
            if (s.cliName().equals(name)) {
                return s;
            }
        }
        throw new IllegalArgumentException("expected local, neighbourhood or global, got '" + name + "'");
    }
}
