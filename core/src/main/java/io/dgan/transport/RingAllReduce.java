package io.dgan.transport;

import java.nio.FloatBuffer;

/**
 * Exact averaging of one float vector over all ranks: ring reduce-scatter then all-gather, 2(M−1) steps, in place,
 * built on the {@link Transport} interface only (so every transport reuses it unchanged).
 *
 * <p>Deterministic and bit-identical on every rank: segment s is summed along the ring in the fixed order
 * ((x_s + x_{s+1}) + x_{s+2}) + … + x_{s−1} (ranks mod M), divided by M once by its owner (rank s−1), and then
 * copied verbatim to every rank. Nothing depends on message timing. M = 1 is a no-op.
 *
 * <p>Messages are tagged (epoch, iteration, step, channel): give each vector reduced within one iteration its own
 * {@code channel}, distinct from the gossip channels (see {@link #CHANNEL_BASE}).
 *
 * <p>Allocates only at construction (the receive segment) and on the first call with a new buffer object (one
 * view of it), so the per-iteration path allocates nothing beyond what the transport does.
 */
public final class RingAllReduce {
    /** Collective channels start here so that they never collide with gossip channels (player indices). */
    public static final int CHANNEL_BASE = 1 << 20;

    private final Transport transport;
    private final int length;
    private final int channel;
    private final int workers;
    private final int rank;
    private final int[] segmentStart;  // M + 1 boundaries
    private final FloatBuffer incoming;
    private FloatBuffer lastData;
    private FloatBuffer view;

    /**
     * @param transport this rank's transport
     * @param length    number of floats reduced per call
     * @param channel   tag channel used by this reducer (use {@code RingAllReduce.CHANNEL_BASE + i})
     */
    public RingAllReduce(Transport transport, int length, int channel) {
        if (length < 0) {
            throw new IllegalArgumentException("length must be >= 0, got " + length);
        }
        this.transport = transport;
        this.length = length;
        this.channel = channel;
        this.workers = transport.size();
        this.rank = transport.rank();
        this.segmentStart = new int[workers + 1];
        for (int s = 0; s <= workers; s++) {
            segmentStart[s] = (int) ((long) length * s / workers);
        }
        int maxSegment = 0;
        for (int s = 0; s < workers; s++) {
            maxSegment = Math.max(maxSegment, segmentStart[s + 1] - segmentStart[s]);
        }
        this.incoming = FloatBuffer.allocate(maxSegment);
    }

    public int length() {
        return length;
    }

    /**
     * Replaces {@code data[position .. position+length)} on every rank by the average over ranks, bit-identical
     * everywhere. Every rank must call with the same (epoch, iteration). Position and limit are left unchanged.
     */
    public void average(FloatBuffer data, long epoch, long iteration) {
        if (data.limit() - data.position() != length) {
            throw new IllegalArgumentException("all-reduce of " + length + " floats given a buffer of "
                    + (data.limit() - data.position()));
        }
        if (workers == 1) {
            return;
        }
        if (data != lastData) {
            lastData = data;
            view = data.duplicate();
        }
        int base = data.position();
        int next = (rank + 1) % workers;
        int prev = (rank + workers - 1) % workers;
        // Reduce-scatter: at step i, send segment (rank − i) and add the received segment (rank − i − 1).
        for (int step = 0; step < workers - 1; step++) {
            int sendSeg = Math.floorMod(rank - step, workers);
            int recvSeg = Math.floorMod(rank - step - 1, workers);
            MessageTag tag = new MessageTag(epoch, iteration, step, channel);
            transport.send(next, tag, segment(base, sendSeg));
            receiveSegment(prev, tag, recvSeg);
            addIncoming(data, base + segmentStart[recvSeg], segmentStart[recvSeg + 1] - segmentStart[recvSeg]);
        }
        // This rank now holds the full sum of segment (rank + 1): average it once, here only.
        int owned = (rank + 1) % workers;
        int from = base + segmentStart[owned];
        int n = segmentStart[owned + 1] - segmentStart[owned];
        for (int i = 0; i < n; i++) {
            data.put(from + i, data.get(from + i) / workers);  // correctly rounded, unlike sum * (1/M)
        }
        // All-gather: at step i, pass on segment (rank + 1 − i), receive segment (rank − i), copied verbatim.
        for (int step = 0; step < workers - 1; step++) {
            int sendSeg = Math.floorMod(rank + 1 - step, workers);
            int recvSeg = Math.floorMod(rank - step, workers);
            MessageTag tag = new MessageTag(epoch, iteration, workers - 1 + step, channel);
            transport.send(next, tag, segment(base, sendSeg));
            transport.receive(prev, tag, segment(base, recvSeg));  // verbatim, straight into place
        }
    }

    /** data[from + i] = incoming[i] + data[from + i]: received partial sum first, own value last, every run. */
    private void addIncoming(FloatBuffer data, int from, int n) {
        float[] in = incoming.array();
        if (data.hasArray()) {
            float[] d = data.array();
            int o = data.arrayOffset() + from;
            for (int i = 0; i < n; i++) {
                d[o + i] = in[i] + d[o + i];
            }
        } else {
            for (int i = 0; i < n; i++) {
                data.put(from + i, in[i] + data.get(from + i));
            }
        }
    }

    private FloatBuffer segment(int base, int s) {
        view.limit(base + segmentStart[s + 1]);
        view.position(base + segmentStart[s]);
        return view;
    }

    private void receiveSegment(int prev, MessageTag tag, int s) {
        incoming.clear();
        incoming.limit(segmentStart[s + 1] - segmentStart[s]);
        transport.receive(prev, tag, incoming);
    }
}
