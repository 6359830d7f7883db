package io.dgan.topology;

/**
 * A mixing matrix W for M workers: symmetric, doubly stochastic, W_ij > 0 only on graph edges and the diagonal.
 * Immutable. Pure math: knows nothing of sockets or ranks' addresses.
 *
 * <p>Contract (implemented by the topology package):
 * <ul>
 *   <li>{@link #workers()} is M.</li>
 *   <li>{@link #weight(int, int)} is W_ij.</li>
 *   <li>{@link #neighbours(int)} lists j != i with W_ij > 0, ascending, so that every worker sums its neighbours
 *       in the same fixed order (bit-reproducible across processes and transports).</li>
 * </ul>
 */
public interface MixingMatrix {
    int workers();

    double weight(int i, int j);

    /** Neighbours j != i with W_ij > 0, ascending. The returned array must not be modified. */
    int[] neighbours(int i);

    /** A copy of W as a dense M×M array. */
    double[][] toArray();
}
