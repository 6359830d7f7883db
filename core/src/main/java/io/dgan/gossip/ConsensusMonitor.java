package io.dgan.gossip;

import io.dgan.transport.RingAllReduce;
import io.dgan.transport.Transport;

import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * The consensus distance (1/M) Σ_i ‖x_i − x̄‖² for ranks in separate processes: all-reduce a copy of x to get x̄
 * (bit-identical on every rank), take ‖x_i − x̄‖² locally in double, and all-reduce that scalar. Computing
 * mean ‖x‖² − ‖x̄‖² instead would cancel catastrophically near consensus, exactly where the value matters.
 *
 * <p>Precision: x̄ is the float all-reduced mean, so identical vectors give not 0 but the rounding floor
 * ~ n·(ulp(x)/2)² (about 1e-14 for unit-sized parameters); the in-process {@link ConsensusDistance} is exact.
 *
 * <p>Collective: every rank must call {@link #distance} for the same iterations. Uses tag channels
 * {@code RingAllReduce.CHANNEL_BASE + channelOffset + b}; pick an offset no other reducer of the job uses.
 * The copy buffers are allocated once at construction.
 */
public final class ConsensusMonitor {
    private final List<FloatBuffer> blocks;
    private final List<FloatBuffer> copies = new ArrayList<>();
    private final List<RingAllReduce> reducers = new ArrayList<>();
    private final RingAllReduce scalarReducer;
    private final FloatBuffer scalar = FloatBuffer.allocate(1);
    private final int workers;

    /**
     * Default channel offset: clear of the optimizers' own collectives (cp-oadam uses CHANNEL_BASE + player
     * index), so the monitor can run between steps of any algorithm.
     */
    public static final int DEFAULT_CHANNEL_OFFSET = 1 << 16;

    public ConsensusMonitor(Transport transport, List<FloatBuffer> blocks) {
        this(transport, blocks, DEFAULT_CHANNEL_OFFSET);
    }

    public ConsensusMonitor(Transport transport, List<FloatBuffer> blocks, int channelOffset) {
        this.blocks = List.copyOf(blocks);
        this.workers = transport.size();
        for (int b = 0; b < blocks.size(); b++) {
            int n = blocks.get(b).limit();
            copies.add(FloatBuffer.allocate(n));
            reducers.add(new RingAllReduce(transport, n, RingAllReduce.CHANNEL_BASE + channelOffset + b));
        }
        scalarReducer = new RingAllReduce(transport, 1,
                RingAllReduce.CHANNEL_BASE + channelOffset + blocks.size());
    }

    /** Block b of the network average x̄ from the last {@link #distance} call (float, bit-identical on every rank). */
    public FloatBuffer mean(int b) {
        return copies.get(b).asReadOnlyBuffer();
    }

    /** Collective call; returns the same value on every rank. */
    public double distance(long epoch, long iteration) {
        return distance(epoch, iteration, null, null);
    }

    /**
     * Collective over {@code members} only (ascending, containing this rank; null = every rank): x̄ and the
     * distance are over the members. With a {@code hook}, a collective given up because a member left throws
     * {@link io.dgan.transport.WaitAbandoned} (on every member: see {@link RingAllReduce}); calling again (with the
     * new epoch and members) redoes it from x.
     */
    public double distance(long epoch, long iteration, int[] members, io.dgan.transport.CollectiveGuard hook) {
        double local = 0;
        for (int b = 0; b < blocks.size(); b++) {
            FloatBuffer x = blocks.get(b);
            FloatBuffer mean = copies.get(b);
            int n = x.limit();
            for (int k = 0; k < n; k++) {
                mean.put(k, x.get(k));
            }
            if (members == null) {
                reducers.get(b).average(mean, epoch, iteration);
            } else {
                reducers.get(b).average(mean, epoch, iteration, members, hook);
            }
            for (int k = 0; k < n; k++) {
                double d = (double) x.get(k) - mean.get(k);
                local += d * d;
            }
        }
        if (workers == 1 || (members != null && members.length == 1)) {
            return 0;
        }
        scalar.put(0, (float) local);
        if (members == null) {
            scalarReducer.average(scalar, epoch, iteration);
        } else {
            scalarReducer.average(scalar, epoch, iteration, members, hook);
        }
        return scalar.get(0);
    }
}
