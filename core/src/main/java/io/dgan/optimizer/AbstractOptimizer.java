package io.dgan.optimizer;

import io.dgan.gossip.Gossip;
import io.dgan.topology.MixingSchedule;
import io.dgan.transport.Transport;

import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** What every update rule shares: players, their settings, the parameter gossip, the step counter, the state. */
abstract class AbstractOptimizer implements DecentralizedOptimizer {
    protected final OptimizerConfig config;
    protected final GradientOracle oracle;
    protected final Transport transport;
    protected final List<Player> players;
    protected final float[] lr;
    protected final Gossip paramGossip;  // null when the algorithm does not gossip
    private final Map<String, FloatBuffer> state = new LinkedHashMap<>();
    protected long steps;

    AbstractOptimizer(OptimizerConfig config, GradientOracle oracle, Transport transport, MixingSchedule schedule) {
        this.config = config;
        this.oracle = oracle;
        this.transport = transport;
        this.players = List.copyOf(oracle.players());
        this.lr = new float[players.size()];
        List<FloatBuffer> params = new ArrayList<>();
        for (int p = 0; p < players.size(); p++) {
            Player player = players.get(p);
            if (player.params().position() != 0 || player.grads().position() != 0) {
                throw new IllegalArgumentException("player " + player.name() + ": buffers must start at position 0");
            }
            lr[p] = (float) config.settingsFor(player.name()).learningRate();
            params.add(player.params());
        }
        this.paramGossip = config.algorithm().usesGossip()
                ? new Gossip(transport, schedule, params, config.gossipRounds(), 0)
                : null;
        if (paramGossip != null) {
            paramGossip.setEpoch(config.epoch());
        }
    }

    /** Allocates a state buffer once and registers it under "player.name" for checkpoints. */
    protected FloatBuffer stateBuffer(Player player, String what) {
        FloatBuffer b = FloatBuffer.allocate(player.length());
        state.put(player.name() + "." + what, b);
        return b;
    }

    @Override
    public Algorithm algorithm() {
        return config.algorithm();
    }

    @Override
    public List<Player> players() {
        return players;
    }

    @Override
    public long stepCount() {
        return steps;
    }

    @Override
    public void restoreStepCount(long s) {
        if (s < 0) {
            throw new IllegalArgumentException("step count must be >= 0, got " + s);
        }
        this.steps = s;
    }

    @Override
    public Map<String, FloatBuffer> stateBuffers() {
        return Collections.unmodifiableMap(state);
    }

    @Override
    public void setTopology(long epoch, MixingSchedule schedule, int gossipRounds) {
        if (paramGossip != null) {
            paramGossip.setTopology(epoch, schedule, gossipRounds);
        }
    }

    @Override
    public int gossipRounds() {
        return paramGossip == null ? 0 : paramGossip.rounds();
    }

    @Override
    public void waitHook(io.dgan.transport.WaitHook hook) {
        if (paramGossip != null) {
            paramGossip.waitHook(hook);
        }
    }

    protected void checkIteration(long iteration) {
        if (iteration < 1) {
            throw new IllegalArgumentException("iterations start at 1, got " + iteration);
        }
    }
}
