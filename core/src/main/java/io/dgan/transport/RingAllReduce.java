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
    private final int[] allRanks;
    private int[] otherStart;          // boundaries for a membership smaller than M
    private FloatBuffer incoming;
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
        this.allRanks = java.util.stream.IntStream.range(0, workers).toArray();
    }

    public int length() {
        return length;
    }

    /**
     * Replaces {@code data[position .. position+length)} on every rank by the average over ranks, bit-identical
     * everywhere. Every rank must call with the same (epoch, iteration). Position and limit are left unchanged.
     */
    public void average(FloatBuffer data, long epoch, long iteration) {
        average(data, epoch, iteration, allRanks, null);
    }

    /**
     * The average over the ranks in {@code members} only (ascending; must contain this rank), along the ring of
     * the members in rank order: every member must call with the same (epoch, iteration, members). With all ranks
     * it is exactly {@link #average(FloatBuffer, long, long)}. With a {@code hook}, a receive the hook abandons
     * throws {@link WaitAbandoned}; {@code data} is then partly reduced and the caller redoes the collective from
     * its own copy.
     */
    public void average(FloatBuffer data, long epoch, long iteration, int[] members, WaitHook hook) {
        if (data.limit() - data.position() != length) {
            throw new IllegalArgumentException("all-reduce of " + length + " floats given a buffer of "
                    + (data.limit() - data.position()));
        }
        int n = members.length;
        int me = java.util.Arrays.binarySearch(members, rank);
        if (me < 0) {
            throw new IllegalArgumentException("rank " + rank + " is not among the members "
                    + java.util.Arrays.toString(members) + " of this all-reduce");
        }
        if (n == 1) {
            return;
        }
        int[] start = boundaries(n);
        if (data != lastData) {
            lastData = data;
            view = data.duplicate();
        }
        int base = data.position();
        int next = members[(me + 1) % n];
        int prev = members[(me + n - 1) % n];
        // Reduce-scatter: at step i, send segment (me − i) and add the received segment (me − i − 1).
        for (int step = 0; step < n - 1; step++) {
            int sendSeg = Math.floorMod(me - step, n);
            int recvSeg = Math.floorMod(me - step - 1, n);
            MessageTag tag = new MessageTag(epoch, iteration, step, channel);
            transport.send(next, tag, segment(start, base, sendSeg));
            receiveSegment(prev, tag, start, recvSeg, hook);
            addIncoming(data, base + start[recvSeg], start[recvSeg + 1] - start[recvSeg]);
        }
        // This member now holds the full sum of segment (me + 1): average it once, here only.
        int owned = (me + 1) % n;
        int from = base + start[owned];
        int count = start[owned + 1] - start[owned];
        for (int i = 0; i < count; i++) {
            data.put(from + i, data.get(from + i) / n);  // correctly rounded, unlike sum * (1/M)
        }
        // All-gather: at step i, pass on segment (me + 1 − i), receive segment (me − i), copied verbatim.
        for (int step = 0; step < n - 1; step++) {
            int sendSeg = Math.floorMod(me + 1 - step, n);
            int recvSeg = Math.floorMod(me - step, n);
            MessageTag tag = new MessageTag(epoch, iteration, n - 1 + step, channel);
            transport.send(next, tag, segment(start, base, sendSeg));
            FloatBuffer into = segment(start, base, recvSeg);
            if (hook == null) {
                transport.receive(prev, tag, into);  // verbatim, straight into place
            } else if (!transport.receive(prev, tag, into, hook)) {
                throw new WaitAbandoned(prev);
            }
        }
    }

    /** Segment boundaries for n members (cached for the last n): n + 1 offsets. */
    private int[] boundaries(int n) {
        if (n == workers) {
            return segmentStart;
        }
        if (otherStart == null || otherStart.length != n + 1) {
            int[] s = new int[n + 1];
            int maxSegment = 0;
            for (int i = 0; i <= n; i++) {
                s[i] = (int) ((long) length * i / n);
                if (i > 0) {
                    maxSegment = Math.max(maxSegment, s[i] - s[i - 1]);
                }
            }
            if (maxSegment > incoming.capacity()) {
                incoming = FloatBuffer.allocate(maxSegment);
            }
            otherStart = s;
        }
        return otherStart;
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

    private FloatBuffer segment(int[] start, int base, int s) {
        view.limit(base + start[s + 1]);
        view.position(base + start[s]);
        return view;
    }

    private void receiveSegment(int prev, MessageTag tag, int[] start, int s, WaitHook hook) {
        incoming.clear();
        incoming.limit(start[s + 1] - start[s]);
        if (hook == null) {
            transport.receive(prev, tag, incoming);
        } else if (!transport.receive(prev, tag, incoming, hook)) {
            throw new WaitAbandoned(prev);
        }
    }
}
