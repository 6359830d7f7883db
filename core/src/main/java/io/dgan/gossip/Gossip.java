package io.dgan.gossip;

import io.dgan.topology.MixingMatrix;
import io.dgan.topology.MixingSchedule;
import io.dgan.transport.MessageTag;
import io.dgan.transport.Transport;

import java.nio.FloatBuffer;
import java.util.List;

/**
 * t gossip rounds per iteration over a fixed set of flat blocks (one per player), in place:
 * {@code x_b ← W_ii x_b + Σ_j W_ij x_b^j} for every block b, with the schedule's W for that iteration.
 *
 * <p>Per round, this rank first sends every block to every neighbour (so no rank ever waits on one that is itself
 * waiting: no deadlock), then for each block receives the neighbours' copies of the <em>same</em> round into
 * preallocated buffers and mixes them with {@link MixingKernel#mix} (neighbours ascending: bit-reproducible).
 * Messages are tagged (epoch, iteration, round, channel = channelOffset + block index).
 *
 * <p>Receive buffers are allocated at construction for a static topology and grow once, the first time a schedule
 * hands out a larger degree; per iteration nothing is allocated here.
 */
public final class Gossip {
    private final Transport transport;
    private final List<FloatBuffer> blocks;
    private final int rounds;
    private final int channelOffset;
    private final int rank;
    private final int maxLength;
    private MixingSchedule schedule;
    private long epoch;
    private FloatBuffer[] received = new FloatBuffer[0];
    // weights of the W currently cached (schedules hand out a new W per iteration)
    private MixingMatrix cachedW;
    private int[] neighbours = new int[0];
    private float[] weights = new float[0];
    private float selfWeight = 1f;

    /**
     * @param transport     this rank's transport; its size must equal the schedule's worker count
     * @param schedule      W per iteration (may be null only when there is a single worker)
     * @param blocks        the vectors mixed in place, each with position 0 (live parameter views)
     * @param rounds        t ≥ 1 gossip rounds per iteration (t = 0 disables gossip)
     * @param channelOffset first tag channel; block b uses channelOffset + b
     */
    public Gossip(Transport transport, MixingSchedule schedule, List<FloatBuffer> blocks, int rounds,
                  int channelOffset) {
        if (rounds < 0) {
            throw new IllegalArgumentException("gossip rounds must be >= 0, got " + rounds);
        }
        if (schedule == null && transport.size() > 1) {
            throw new IllegalArgumentException("a mixing schedule is required for " + transport.size() + " workers");
        }
        if (schedule != null && schedule.workers() != transport.size()) {
            throw new IllegalArgumentException("topology has " + schedule.workers() + " workers but the transport "
                    + transport.size());
        }
        int max = 0;
        for (FloatBuffer b : blocks) {
            if (b.position() != 0) {
                throw new IllegalArgumentException("gossip blocks must start at position 0");
            }
            max = Math.max(max, b.limit());
        }
        this.transport = transport;
        this.schedule = schedule;
        this.blocks = List.copyOf(blocks);
        this.rounds = rounds;
        this.channelOffset = channelOffset;
        this.rank = transport.rank();
        this.maxLength = max;
        if (schedule != null && schedule.period() == 1) {
            ensureCapacity(schedule.at(1).neighbours(rank).length);
        }
    }

    public int rounds() {
        return rounds;
    }

    public long epoch() {
        return epoch;
    }

    /** Switches to a rewired topology; takes effect at the next {@link #run}. Every rank must agree on the epoch. */
    public void setTopology(long epoch, MixingSchedule schedule) {
        if (schedule.workers() != transport.size()) {
            throw new IllegalArgumentException("topology has " + schedule.workers() + " workers but the transport "
                    + transport.size());
        }
        this.epoch = epoch;
        this.schedule = schedule;
        this.cachedW = null;
    }

    public void setEpoch(long epoch) {
        this.epoch = epoch;
    }

    /** Runs the t rounds of iteration {@code iteration} on every block, in place. */
    public void run(long iteration) {
        if (schedule == null || transport.size() == 1 || rounds == 0) {
            return;  // a single worker has nobody to talk to; W = [1]
        }
        MixingMatrix w = schedule.at(iteration);
        if (w != cachedW) {
            cacheWeights(w);
        }
        int degree = neighbours.length;
        for (int r = 0; r < rounds; r++) {
            for (int b = 0; b < blocks.size(); b++) {
                MessageTag tag = new MessageTag(epoch, iteration, r, channelOffset + b);
                FloatBuffer block = blocks.get(b);
                for (int j = 0; j < degree; j++) {
                    transport.send(neighbours[j], tag, block);
                }
            }
            for (int b = 0; b < blocks.size(); b++) {
                MessageTag tag = new MessageTag(epoch, iteration, r, channelOffset + b);
                FloatBuffer block = blocks.get(b);
                int n = block.limit();
                for (int j = 0; j < degree; j++) {
                    FloatBuffer in = received[j];
                    in.limit(n);
                    in.position(0);
                    transport.receive(neighbours[j], tag, in);
                }
                MixingKernel.mix(block, selfWeight, received, weights, degree);
            }
        }
    }

    private void cacheWeights(MixingMatrix w) {
        int[] nb = w.neighbours(rank);
        if (neighbours.length != nb.length) {
            neighbours = new int[nb.length];
            weights = new float[nb.length];
        }
        System.arraycopy(nb, 0, neighbours, 0, nb.length);
        for (int j = 0; j < nb.length; j++) {
            weights[j] = (float) w.weight(rank, nb[j]);
        }
        selfWeight = (float) w.weight(rank, rank);
        ensureCapacity(nb.length);
        cachedW = w;
    }

    private void ensureCapacity(int degree) {
        if (received.length >= degree) {
            return;
        }
        FloatBuffer[] grown = new FloatBuffer[degree];
        System.arraycopy(received, 0, grown, 0, received.length);
        for (int j = received.length; j < degree; j++) {
            grown[j] = FloatBuffer.allocate(maxLength);
        }
        received = grown;
    }
}
