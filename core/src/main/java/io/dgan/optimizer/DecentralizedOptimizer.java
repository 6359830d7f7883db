package io.dgan.optimizer;

import io.dgan.topology.MixingSchedule;

import java.nio.FloatBuffer;
import java.util.List;
import java.util.Map;

/**
 * One worker's optimizer: each {@link #step} is one iteration of the configured update (gossip, the oracle call,
 * the in-place parameter update), working directly on the players' live parameter and gradient buffers.
 *
 * <p>Every rank's arithmetic is a function of its own inputs and the vectors it receives only (never of message
 * timing), so the same configuration gives bit-identical parameters over any transport.
 *
 * <p><b>Checkpointing.</b> The state is {@link #stepCount()} plus the named {@link #stateBuffers()} (besides the
 * players' parameters, which the caller saves). To save: write stepCount and each buffer's floats [0, limit).
 * To restore on a freshly built optimizer with the same config and players: write the floats back into the same
 * named buffers, then call {@link #restoreStepCount(long)}; the next {@code step(k)} continues exactly.
 */
public interface DecentralizedOptimizer {
    Algorithm algorithm();

    /** The players being optimized (the oracle's players, same order). */
    List<Player> players();

    /**
     * Runs iteration {@code iteration} (k ≥ 1). Collective: every rank must call it with the same k. The oracle is
     * called with minibatch index k (and once with index 0 on the very first step when d_0 comes from the oracle).
     */
    void step(long iteration);

    /**
     * The step counter, 0 before the first step. For gda and dposg: iterations completed. For the Adam variants:
     * the bias-correction count s, i.e. the moment updates done (iterations + 1 when d_0 came from the oracle).
     */
    long stepCount();

    /** Sets the step counter after the state buffers were restored from a checkpoint. */
    void restoreStepCount(long steps);

    /**
     * Live state buffers by name, in a fixed order, e.g. "u.previousDirection", "G.m", "G.v" (position 0,
     * limit = length). Empty for gda. Never replaced during the optimizer's life.
     */
    Map<String, FloatBuffer> stateBuffers();

    /** Switches gossip to a rewired topology from the next step, keeping the gossip rounds. */
    default void setTopology(long epoch, MixingSchedule schedule) {
        setTopology(epoch, schedule, gossipRounds());
    }

    /**
     * Switches gossip to a rewired topology and gossip rounds, from the next step (or, from the wait hook, for the
     * rest of the step in progress: see {@link io.dgan.gossip.Gossip}). Which iteration each rank switches at is
     * the caller's protocol ({@link io.dgan.gossip.LiveTopology}).
     */
    void setTopology(long epoch, MixingSchedule schedule, int gossipRounds);

    /** Gossip rounds per iteration in force (0 when the algorithm does not gossip). */
    int gossipRounds();

    /** Blocked gossip receives ask this hook whether to stop waiting (null: they only time out). */
    void waitHook(io.dgan.transport.WaitHook hook);
}
