package io.dgan.optimizer;

/**
 * The direction d_0 the first optimistic half step reuses. algorithm.md: g_0 = ĝ_i(x_0) (one extra oracle call,
 * iteration index 0, before the first gossip). For the Adam variants d_0 is the Adam direction of that g_0
 * (moments updated once). ZERO (no extra call, d_0 = 0, the usual OAdam convention) is offered as a flag:
 * reconstructed, not read.
 */
public enum InitialDirection {
    ORACLE,
    ZERO
}
