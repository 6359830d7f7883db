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
 * view of it), so the per-iteration path allocates nothing beyond what the transport does. A guarded call (one
 * that survives losing a member, for a topology that changes while the job runs) also keeps a copy of its result.
 *
 * <p><b>Losing a member</b> (guarded calls, {@link CollectiveGuard}): a member completes only after every member
 * has sent its first all-gather message, so a collective is given up (on every member, by an abort) only while that
 * cannot have happened or when a final segment was lost with the member; otherwise it is finished over the old
 * members, the rest of the all-gather taken from a member before the lost one if need be (see {@code Guarded}).
 * A guarded call for an iteration this reducer has already completed returns that result without communicating:
 * a caller redoing several collectives because a later one was given up must not redo the ones every survivor
 * completed.
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
    /** The last collective completed with a guard: its result (a copy), key and segment boundaries. */
    private FloatBuffer done;
    private FloatBuffer doneView;
    private int[] doneStart;
    private long doneEpoch;
    private long doneIteration;
    private int[] doneMembers;
    private final FloatBuffer requestIn = FloatBuffer.allocate(1);

    /** Tag round of a collective's abort (its other tag fields are the collective's); see {@code Guarded}. */
    public static final int ABORT_ROUND = Integer.MAX_VALUE;
    /** Tag round of a request for the rest of a collective's all-gather. */
    public static final int REQUEST_ROUND = Integer.MAX_VALUE - 1;
    /** Tag rounds of a replayed all-gather step s: this base + s. */
    public static final int REPLAY_ROUND_BASE = 1 << 30;

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
     * and no guard it is exactly {@link #average(FloatBuffer, long, long)}.
     *
     * <p>With a {@code guard} the collective survives losing a member (see the class comment of
     * {@link Guarded}): it either completes on every member still in the job with the same result, or is given up
     * on every one of them with {@link WaitAbandoned} ({@code data} is then partly reduced and the caller redoes
     * the collective from its own copy, over the new members). The guard is also told of each completion, and this
     * reducer then keeps a copy of the result until its next completion, to {@link #serveReplays() replay} it.
     */
    public void average(FloatBuffer data, long epoch, long iteration, int[] members, CollectiveGuard guard) {
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
        if (guard != null && done != null && doneIteration == iteration) {
            // Asked again for a collective this rank completed (same reducer, same iteration): the caller redoes a
            // body of several collectives because a later one was given up. Every other survivor completes this one
            // over the old members too (see Guarded) and never redoes it, so this rank must not either: it keeps
            // the result it has. Redoing it over the new members would wait for ranks already in the next one.
            FloatBuffer result = done.duplicate();
            result.clear();
            result.limit(length);
            FloatBuffer into = data.duplicate();
            into.position(data.position());
            into.put(result);
            guard.completed(this);
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
        Guarded g = guard == null ? null : new Guarded(guard, epoch, iteration, members, me, prev);
        // Reduce-scatter: at step i, send segment (me − i) and add the received segment (me − i − 1).
        for (int step = 0; step < n - 1; step++) {
            int sendSeg = Math.floorMod(me - step, n);
            int recvSeg = Math.floorMod(me - step - 1, n);
            MessageTag tag = new MessageTag(epoch, iteration, step, channel);
            transport.send(next, tag, segment(start, base, sendSeg));
            incoming.clear();
            incoming.limit(start[recvSeg + 1] - start[recvSeg]);
            if (g == null) {
                transport.receive(prev, tag, incoming);
            } else {
                g.receive(step, tag, incoming);
            }
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
            if (g == null) {
                transport.receive(prev, tag, into);  // verbatim, straight into place
            } else {
                g.receive(n - 1 + step, tag, into);
            }
        }
        if (g != null) {
            remember(data, base, start, epoch, iteration, members);
            guard.completed(this);
        }
    }

    /**
     * Answers the replay requests that arrived for the collective this reducer completed last (nothing if none):
     * a member whose ring predecessor left during the all-gather asks the nearest member before it that is still in
     * the job for the rest of the all-gather (see {@link Guarded}). Non-blocking; called by the guard while this
     * rank waits for anything (a collective, a gossip round).
     */
    public void serveReplays() {
        if (doneMembers == null) {
            return;
        }
        int n = doneMembers.length;
        for (int i = 0; i < n; i++) {
            int r = doneMembers[i];
            if (r == rank) {
                continue;
            }
            requestIn.clear();
            if (!transport.tryReceive(r, new MessageTag(doneEpoch, doneIteration, REQUEST_ROUND, channel), requestIn)) {
                continue;
            }
            int first = (int) requestIn.get(0);
            // Member i receives segment (i − j) at all-gather step j: the same final values every member holds.
            for (int j = Math.max(0, first); j <= n - 2; j++) {
                int seg = Math.floorMod(i - j, n);
                doneView.limit(doneStart[seg + 1]);
                doneView.position(doneStart[seg]);
                transport.send(r, new MessageTag(doneEpoch, doneIteration, REPLAY_ROUND_BASE + n - 1 + j, channel),
                        doneView);
            }
        }
    }

    /** Keeps a copy of a completed collective's result and its key, to replay it (see {@link #serveReplays()}). */
    private void remember(FloatBuffer data, int base, int[] start, long epoch, long iteration, int[] members) {
        if (done == null) {
            done = FloatBuffer.allocate(length);
            doneView = done.duplicate();
        }
        FloatBuffer result = data.duplicate();
        result.limit(base + length);
        result.position(base);
        done.clear();
        done.put(result);  // one bulk copy (the doneView duplicate carries its own position)
        doneStart = start.clone();
        doneEpoch = epoch;
        doneIteration = iteration;
        doneMembers = members.clone();
    }

    /**
     * One guarded call: the receives of a collective that may lose a member. The rules rest on one fact of the
     * ring: a member completes only after every member has sent its first all-gather message (a member's last
     * receive depends, along the ring, on every other member having finished its reduce-scatter). So:
     * <ul>
     *   <li><b>Give up only when nobody can have completed it.</b> While this rank is still in the reduce-scatter
     *       (it has not sent an all-gather message), nobody can complete the collective; if its topology says a
     *       member left, it gives up. It also gives up when the rank it waits for left at a point where a final
     *       segment was lost with it (only the leaving rank, or ranks that left with it, held it). Giving up sends
     *       an <i>abort</i> (tag round {@link #ABORT_ROUND}, the epoch adopted) to every other member still in the
     *       job; a member that finds one while it waits gives up too. Each adopts that epoch and the collective is
     *       redone by the caller over the new members: on every member, since none completed.</li>
     *   <li><b>Otherwise finish it.</b> Once in the all-gather, a rank waiting for a member still in the job keeps
     *       waiting even if the membership changed: that member sent its part (it finishes the collective, or gives
     *       it up before its all-gather and then its abort arrives). A rank whose predecessor left after passing on
     *       every final segment that only it and the ranks that left with it held asks the nearest member before
     *       them that is still in the job for the rest of the all-gather (tag round {@link #REQUEST_ROUND}); that
     *       member completes the collective without this rank's help and answers from its copy of the result
     *       ({@link #serveReplays()}, tag rounds {@link #REPLAY_ROUND_BASE} + step). Everyone then holds the result
     *       over the old members, including the part of the rank that left.</li>
     * </ul>
     * Found in a real run: a rank must not redo a collective merely because its membership changed while it waited
     * in the all-gather: a member that had already completed it under the old membership never joins the redo.
     */
    private final class Guarded {
        private static final int NOTHING = 0;
        private static final int ABORTED = 1;
        private static final int LEFT = 2;

        private final CollectiveGuard guard;
        private final long epoch;
        private final long iteration;
        private final int[] members;
        private final int n;
        private final int me;
        private final int prev;
        private int replayFrom = -1;
        private int why;
        private long abortEpoch = -1;
        private int abortFrom = -1;

        Guarded(CollectiveGuard guard, long epoch, long iteration, int[] members, int me, int prev) {
            this.guard = guard;
            this.epoch = epoch;
            this.iteration = iteration;
            this.members = members.clone();
            this.n = members.length;
            this.me = me;
            this.prev = prev;
        }

        void receive(int step, MessageTag tag, FloatBuffer into) {
            while (true) {
                int from = replayFrom >= 0 ? replayFrom : prev;
                MessageTag t = replayFrom >= 0
                        ? new MessageTag(epoch, iteration, REPLAY_ROUND_BASE + step, channel) : tag;
                why = NOTHING;
                if (transport.receive(from, t, into, peer -> blocked(peer, step, from))) {
                    return;
                }
                if (why == ABORTED) {
                    throw new WaitAbandoned(abortFrom, abortEpoch, "rank " + rank + " gave up " + describe(step)
                            + ": rank " + abortFrom + " aborted it (a member left before anyone could complete it)");
                }
                boolean gone = guard.excluded(from);
                int agStep = step - (n - 1);
                int left = 0;  // members right before this rank that are cut out
                while (left < n - 1 && guard.excluded(members[Math.floorMod(me - left - 1, n)])) {
                    left++;
                }
                if (gone && agStep >= left && left < n - 1) {
                    // Every segment that only the leavers held has reached this rank: the rest is at the member
                    // before them, which completes the collective without this rank.
                    replayFrom = members[Math.floorMod(me - left - 1, n)];
                    FloatBuffer request = FloatBuffer.allocate(1);
                    request.put(0, agStep);
                    transport.send(replayFrom, new MessageTag(epoch, iteration, REQUEST_ROUND, channel), request);
                    guard.note(describe(step) + ": rank " + from + " left during the all-gather; taking the rest"
                            + " of it from rank " + replayFrom);
                    continue;
                }
                abort(step, from);
            }
        }

        /** The wait hook of every receive of this call. */
        private boolean blocked(int peer, int step, int from) {
            guard.whileBlocked(peer);
            if (abortArrived()) {
                why = ABORTED;
                return true;
            }
            if (guard.excluded(from)) {
                why = LEFT;
                return true;
            }
            if (step <= n - 2) {  // still in the reduce-scatter: nobody can complete, giving up is safe
                for (int m : members) {
                    if (guard.excluded(m)) {
                        why = LEFT;
                        return true;
                    }
                }
            }
            return false;
        }

        private boolean abortArrived() {
            for (int r : members) {
                if (r == rank) {
                    continue;
                }
                requestIn.clear();
                if (transport.tryReceive(r, new MessageTag(epoch, iteration, ABORT_ROUND, channel), requestIn)) {
                    abortEpoch = (long) requestIn.get(0);
                    abortFrom = r;
                    return true;
                }
            }
            return false;
        }

        private void abort(int step, int from) {
            long adopted = guard.epoch();
            FloatBuffer msg = FloatBuffer.allocate(1);
            msg.put(0, adopted);
            for (int r : members) {
                if (r != rank && !guard.excluded(r)) {
                    transport.send(r, new MessageTag(epoch, iteration, ABORT_ROUND, channel), msg);
                }
            }
            guard.note("gave up " + describe(step) + " (waiting for rank " + from + "; a member left before anyone"
                    + " could complete it): redoing it over the members of epoch " + adopted);
            throw new WaitAbandoned(from, adopted, "rank " + rank + " gave up " + describe(step));
        }

        private String describe(int step) {
            return "collective (channel " + channel + ", iteration " + iteration + ", members "
                    + java.util.Arrays.toString(members) + ") at step " + step + "/" + (2 * n - 3);
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

}
