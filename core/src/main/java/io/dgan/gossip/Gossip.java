package io.dgan.gossip;

import io.dgan.topology.MixingMatrix;
import io.dgan.topology.MixingSchedule;
import io.dgan.transport.MessageTag;
import io.dgan.transport.Transport;
import io.dgan.transport.WaitHook;

import java.nio.FloatBuffer;
import java.util.List;

/**
 * t gossip rounds per iteration over a fixed set of flat blocks (one per player), in place:
 * {@code x_b ← W_ii x_b + Σ_j W_ij x_b^j} for every block b.
 *
 * <p>The schedule advances once per round, not once per iteration: round r (0-based) of iteration k uses
 * W at schedule index {@link #scheduleIndex}(k, r, t) = (k − 1)·t + r + 1, so t = 1 is unchanged (index k), a
 * static W is the same at every index, and t rounds of a time-varying schedule apply t different matrices (with
 * one W per iteration they would repeat it, and for a one-peer pairing or a random matching W² = W: rounds 2..t
 * would be wasted traffic). With t = log₂M on the one-peer hypercube an iteration averages exactly.
 *
 * <p>Per round, this rank first sends every block to every neighbour (so no rank ever waits on one that is itself
 * waiting: no deadlock), then for each block receives the neighbours' copies of the <em>same</em> round into
 * preallocated buffers and mixes them with {@link MixingKernel#mix} (neighbours ascending: bit-reproducible).
 * Messages are tagged (iteration, round, channel = channelOffset + block index); the tag's epoch is always
 * {@link #TAG_EPOCH}: a gossip message carries x_j(k), which does not depend on W, so a vector sent under one
 * topology epoch is valid under the next, and a worker that switches epoch while its neighbour has not yet still
 * finds its neighbour's vectors (docs/worker-contract.md, "Switching epochs").
 *
 * <p>With a {@link WaitHook} ({@link #waitHook}), a receive blocked on a neighbour asks the hook about every
 * {@link WaitHook#POLL}; when the hook abandons the wait it has switched this gossip to a newer topology (through
 * {@link #setTopology}) in which this rank's neighbours are a subset of the old ones: the round goes on with the
 * new row (vectors already received are kept, nobody new is waited for).
 *
 * <p>Receive buffers are allocated at construction for a static topology and grow once, the first time a schedule
 * hands out a larger degree; per iteration nothing is allocated here.
 */
public final class Gossip {
    /** The epoch field of every gossip tag (see the class comment). */
    public static final long TAG_EPOCH = 0;

    private final Transport transport;
    private final List<FloatBuffer> blocks;
    private final int channelOffset;
    private final int rank;
    private final int maxLength;
    private int rounds;
    private MixingSchedule schedule;
    private long epoch;
    private WaitHook hook;
    // receive buffers by peer rank, allocated the first time a peer is a neighbour
    private final FloatBuffer[] byPeer;
    private final boolean[] got;
    // weights of the W currently cached (schedules hand out a new W per iteration)
    private MixingMatrix cachedW;
    private MixingSchedule cachedSchedule;
    private int[] neighbours = new int[0];
    private float[] weights = new float[0];
    private FloatBuffer[] ordered = new FloatBuffer[0];
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
        this.byPeer = new FloatBuffer[transport.size()];
        this.got = new boolean[transport.size()];
        if (schedule != null && schedule.period() == 1) {
            for (int j : schedule.at(1).neighbours(rank)) {
                buffer(j);
            }
        }
    }

    public int rounds() {
        return rounds;
    }

    public long epoch() {
        return epoch;
    }

    /**
     * Switches to a rewired topology (W and the gossip rounds); takes effect at the next {@link #run}, or, when
     * called from the wait hook during a run, at once for the rest of that run (see the class comment).
     */
    public void setTopology(long epoch, MixingSchedule schedule, int rounds) {
        if (schedule.workers() != transport.size()) {
            throw new IllegalArgumentException("topology has " + schedule.workers() + " workers but the transport "
                    + transport.size());
        }
        if (rounds < 0) {
            throw new IllegalArgumentException("gossip rounds must be >= 0, got " + rounds);
        }
        this.epoch = epoch;
        this.schedule = schedule;
        this.rounds = rounds;
        this.cachedW = null;
    }

    /** Switches W, keeping the gossip rounds. */
    public void setTopology(long epoch, MixingSchedule schedule) {
        setTopology(epoch, schedule, rounds);
    }

    public void setEpoch(long epoch) {
        this.epoch = epoch;
    }

    /** Receives ask this hook while they wait (null: plain receives that only time out). */
    public void waitHook(WaitHook hook) {
        this.hook = hook;
    }

    /** Runs the t rounds of iteration {@code iteration} on every block, in place. */
    public void run(long iteration) {
        if (schedule == null || transport.size() == 1 || rounds == 0) {
            return;  // a single worker has nobody to talk to; W = [1]
        }
        int t = rounds;
        for (int r = 0; r < rounds; r++) {
            long index = scheduleIndex(iteration, r, t);
            refresh(index);
            for (int b = 0; b < blocks.size(); b++) {
                MessageTag tag = new MessageTag(TAG_EPOCH, iteration, r, channelOffset + b);
                FloatBuffer block = blocks.get(b);
                for (int j : neighbours) {
                    transport.send(j, tag, block);
                }
            }
            for (int b = 0; b < blocks.size(); b++) {
                MessageTag tag = new MessageTag(TAG_EPOCH, iteration, r, channelOffset + b);
                FloatBuffer block = blocks.get(b);
                int n = block.limit();
                java.util.Arrays.fill(got, false);
                int j = 0;
                while (j < neighbours.length) {
                    int peer = neighbours[j];
                    if (got[peer]) {
                        j++;
                        continue;
                    }
                    FloatBuffer in = buffer(peer);
                    in.limit(n);
                    in.position(0);
                    if (hook == null) {
                        transport.receive(peer, tag, in);
                    } else if (!transport.receive(peer, tag, in, hook)) {
                        // The hook switched to a topology in which this rank's neighbours are a subset of the old
                        // ones (all of which were sent this round's vectors): go on with the new row.
                        refresh(index);
                        j = 0;
                        continue;
                    }
                    got[peer] = true;
                    j++;
                }
                for (int k = 0; k < neighbours.length; k++) {
                    ordered[k] = byPeer[neighbours[k]];
                }
                MixingKernel.mix(block, selfWeight, ordered, weights, neighbours.length);
            }
        }
    }

    /** The schedule index of round r (0-based) of iteration k ≥ 1 with t rounds per iteration: (k − 1)·t + r + 1. */
    public static long scheduleIndex(long iteration, int round, int rounds) {
        return (iteration - 1) * rounds + round + 1;
    }

    private void refresh(long iteration) {
        MixingMatrix w = schedule.at(iteration);
        if (w != cachedW || schedule != cachedSchedule) {
            cacheWeights(w);
            cachedSchedule = schedule;
        }
    }

    private void cacheWeights(MixingMatrix w) {
        int[] nb = w.neighbours(rank);
        if (neighbours.length != nb.length) {
            neighbours = new int[nb.length];
            weights = new float[nb.length];
            ordered = new FloatBuffer[nb.length];
        }
        System.arraycopy(nb, 0, neighbours, 0, nb.length);
        for (int j = 0; j < nb.length; j++) {
            weights[j] = (float) w.weight(rank, nb[j]);
            buffer(nb[j]);
        }
        selfWeight = (float) w.weight(rank, rank);
        cachedW = w;
    }

    private FloatBuffer buffer(int peer) {
        if (byPeer[peer] == null) {
            byPeer[peer] = FloatBuffer.allocate(maxLength);
        }
        return byPeer[peer];
    }
}
