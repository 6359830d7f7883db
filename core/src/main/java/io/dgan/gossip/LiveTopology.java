package io.dgan.gossip;

import io.dgan.optimizer.DecentralizedOptimizer;
import io.dgan.topology.TopologyEpoch;
import io.dgan.topology.TopologySource;
import io.dgan.transport.CollectiveGuard;
import io.dgan.transport.MessageTag;
import io.dgan.transport.RingAllReduce;
import io.dgan.transport.Transport;
import io.dgan.transport.WaitAbandoned;
import io.dgan.transport.WaitHook;

import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.LongConsumer;
import java.util.function.Supplier;

/**
 * One worker's view of a graph that changes while it trains: which {@link TopologyEpoch} is in force, and the
 * protocol by which the workers switch epochs (docs/worker-contract.md, "Switching epochs"). It knows the graph and
 * the {@link Transport} interface, never sockets or files: the epochs come from a {@link TopologySource}.
 *
 * <ul>
 *   <li><b>Every change is agreed when it can be.</b> At each sync point the members all-reduce the newest epoch
 *       each has seen; when every member has seen the same newer epoch E, all switch to E from the next iteration,
 *       so W stays the same matrix on every rank. Adding edges (a rejoining rank, a denser graph, other gossip
 *       rounds) is only ever switched this way.</li>
 *   <li><b>Removing edges needs no coordination</b>, which is what unblocks a rank whose peer died: a gossip
 *       message carries x_j(k), which does not depend on W. While a receive is blocked on a peer, every
 *       {@link WaitHook#POLL} the source is re-read, and a newer epoch in which this rank's neighbours are a subset
 *       of the current ones (same gossip rounds, static W, nobody joining) is adopted at once: the blocked round
 *       goes on with the new row and stops waiting for the peers that left it.</li>
 *   <li><b>Collectives never split.</b> A collective that loses a member either completes on every member still in
 *       the job (over the old members: the lost rank's part was already passed on) or is given up on all of them
 *       and redone over the new members; which one is decided by where the collective stood, not by when each rank
 *       happened to read the new epoch (see {@link #hook()} and {@link RingAllReduce}).</li>
 *   <li><b>Joining.</b> A rank that is excluded waits until an epoch includes it. At the agreed switch to that
 *       epoch, its neighbours among the current members send it their iteration, step count and state
 *       (parameters, optimizer state); it starts from their average, at the next iteration.</li>
 * </ul>
 *
 * <p>Not thread-safe: called from the worker's training thread only (the wait hook runs on that thread too).
 */
public final class LiveTopology {
    /** Channel of the epoch agreement: clear of the optimizers', the consensus monitor's and the losses' channels. */
    public static final int AGREE_CHANNEL = RingAllReduce.CHANNEL_BASE + ConsensusMonitor.DEFAULT_CHANNEL_OFFSET + 128;
    /** Channel of the welcome a joining rank receives (header, then state blocks as rounds 1..n). */
    public static final int WELCOME_CHANNEL = AGREE_CHANNEL + 1;
    /** Longs in a welcome header: iteration, step count, and {@link #EXTRA} values of the caller's. */
    public static final int EXTRA = 2;
    private static final int HEADER_LONGS = 2 + EXTRA;
    private static final long REPORT_NANOS = 10_000_000_000L;

    private final Transport transport;
    private final TopologySource source;
    private final int rank;
    private final int workers;
    private final Consumer<String> log;
    private final RingAllReduce agreeReducer;
    private final FloatBuffer known;
    private final FloatBuffer header;
    private TopologyEpoch current;
    /** current is a published epoch with its joiners still cut out (they join at the agreed switch). */
    private boolean provisional;
    /** This process is a replacement (memberSince of its rank > 0, or excluded at start): it must join. */
    private final boolean replacement;
    private DecentralizedOptimizer optimizer;
    private List<FloatBuffer> state = List.of();
    private Supplier<long[]> extra = () -> new long[EXTRA];
    private LongConsumer epochListener = e -> { };
    private long iteration;
    private boolean joined;
    /** The reducer of the collective this rank completed last: it answers replay requests for it. */
    private RingAllReduce lastCompleted;

    /** What a joining rank received: the iteration its neighbours completed, their step count, the extra values. */
    public record Welcome(long iteration, long steps, long[] extra, int[] from) {
    }

    public LiveTopology(Transport transport, TopologySource source, Consumer<String> log) {
        this.transport = Objects.requireNonNull(transport, "transport");
        this.source = Objects.requireNonNull(source, "source");
        this.log = Objects.requireNonNull(log, "log");
        this.rank = transport.rank();
        this.workers = transport.size();
        this.current = source.latest();
        if (current.workers() != workers) {
            throw new IllegalArgumentException("topology " + current + " has " + current.workers()
                    + " workers but the transport " + workers);
        }
        this.replacement = !current.includes(rank) || current.memberSince()[rank] > 0;
        this.agreeReducer = new RingAllReduce(transport, workers, AGREE_CHANNEL);
        this.known = FloatBuffer.allocate(workers);
        this.header = FloatBuffer.allocate(HEADER_LONGS * 4 + workers);
    }

    /**
     * The optimizer whose gossip follows the epochs, and the state a joining rank takes from its neighbours (the
     * parameter blocks, then the optimizer's state buffers, then anything else of the oracle's, in a fixed order
     * on every rank). Installs the current epoch and the wait hook in the optimizer.
     */
    public LiveTopology attach(DecentralizedOptimizer opt, List<FloatBuffer> joinState) {
        this.optimizer = Objects.requireNonNull(opt, "optimizer");
        this.state = List.copyOf(joinState);
        opt.setTopology(current.epoch(), current.schedule(), current.gossipRounds());
        opt.waitHook(this::abandon); // gossip: any adopted change re-reads the row (vectors carry no epoch)
        return this;
    }

    /** Values of the caller's handed to a joining rank in the welcome (e.g. a divergence threshold). */
    public LiveTopology extra(Supplier<long[]> values) {
        this.extra = Objects.requireNonNull(values);
        return this;
    }

    /** Called with the new epoch at every switch (e.g. the dgan_topology_epoch gauge). */
    public LiveTopology onEpoch(LongConsumer listener) {
        this.epochListener = Objects.requireNonNull(listener);
        listener.accept(current.epoch());
        return this;
    }

    public TopologyEpoch current() {
        return current;
    }

    public long epoch() {
        return current.epoch();
    }

    /** The ranks that train in the current epoch (the membership of collectives), ascending. */
    public int[] members() {
        return current.members();
    }

    public boolean excluded() {
        return !current.includes(rank);
    }

    /**
     * Whether this process must join before it trains: it is excluded, or it is a replacement that the topology
     * already includes (memberSince of its rank > 0) and that has not received its neighbours' state yet.
     */
    public boolean mustJoin() {
        return excluded() || (replacement && !joined);
    }

    /**
     * The guard of this rank's collectives ({@link RingAllReduce}'s rules for losing a member): while a collective
     * waits it adopts a newer epoch that needs no coordination and answers replay requests for the collective this
     * rank completed last; it tells the collective which ranks are cut out. A collective is given up only when no
     * member can have completed it, on every member (then {@link #collective} redoes it over the new members);
     * otherwise it is finished over the old members, the part of a rank that left included. A change of the member
     * set alone is no reason to give up: an earlier version did, and split a collective between two memberships
     * (a member that had already completed it never joined the redo; docs/worker-contract.md).
     */
    public CollectiveGuard hook() {
        return guard;
    }

    private final CollectiveGuard guard = new CollectiveGuard() {
        @Override
        public void whileBlocked(int peer) {
            adoptIfRemovalOnly("while waiting for rank " + peer);
            serveReplays();
        }

        @Override
        public boolean excluded(int r) {
            return !current.includes(r);
        }

        @Override
        public long epoch() {
            return current.epoch();
        }

        @Override
        public void completed(RingAllReduce reducer) {
            lastCompleted = reducer;
        }

        @Override
        public void note(String line) {
            log.accept(line);
        }
    };

    /** Answers replay requests for the collective this rank completed last (see {@link RingAllReduce}). */
    private void serveReplays() {
        if (lastCompleted != null) {
            lastCompleted.serveReplays();
        }
    }

    /**
     * The tag epoch of this rank's collectives: a key of the membership (not the topology epoch), so that ranks
     * that adopted different epochs with the same members (e.g. one saw the epoch cutting a rank out, another
     * only the provisional form of the next one) still meet in the same collective.
     */
    public long collectiveTag() {
        int[] members = current.members();
        if (workers <= 62) {
            long mask = 0;
            for (int m : members) {
                mask |= 1L << m;
            }
            return mask;
        }
        return Arrays.hashCode(members) & 0x7fffffffL | (1L << 40);
    }

    /**
     * Before iteration k. Adopts nothing by itself: a newer epoch is switched to at the next sync point by agreement
     * (the same W everywhere), or, if this rank blocks on a peer first, by the wait hook. Keeps the iteration for
     * the log lines.
     */
    public void beforeIteration(long k) {
        iteration = k - 1;
    }

    /**
     * Adopts the newest published epoch at once if that needs no coordination: with the ranks that would join
     * folded out (see {@link TopologyEpoch#without}), it must only remove edges for this rank. Returns whether it
     * switched.
     */
    private boolean adoptIfRemovalOnly(String reason) {
        TopologyEpoch latest = source.latest();
        if (latest.epoch() <= current.epoch()) {
            return false;
        }
        int[] joiners = latest.joinersSince(current);
        TopologyEpoch candidate = latest.without(joiners);
        if (candidate == null || !removalOnly(current, candidate, rank)) {
            return false;
        }
        adopt(candidate, reason + (joiners.length == 0 ? "" : "; rank" + (joiners.length > 1 ? "s " : " ")
                + Arrays.toString(joiners).replaceAll("[\\[\\]]", "") + " to join at an agreed iteration"),
                joiners.length > 0);
        return true;
    }

    /**
     * Runs a collective over the current members, redoing it under the new epoch and membership whenever it was
     * given up because a member left (on every member, see {@link #hook()}). Before redoing, this rank adopts at
     * least the epoch of the rank that gave it up, so that both redo it over the same members. Returns null,
     * without running it, when this rank is excluded (then it has no part in the job's collectives until it
     * rejoins). The body must use {@link #collectiveTag()}, {@link #members()} and {@link #hook()}.
     */
    public <T> T collective(Supplier<T> body) {
        while (!excluded()) {
            try {
                return body.get();
            } catch (WaitAbandoned abandoned) {
                if (abandoned.epoch() > current.epoch()) {
                    awaitEpoch(abandoned.epoch(), abandoned.peer());
                }
            }
        }
        return null;
    }

    /**
     * Waits until this rank has adopted epoch {@code e} or newer (another rank gave a collective up under it; the
     * file here may lag behind, e.g. the kubelet's refresh), answering replay requests meanwhile. Returns early,
     * with a log line, if the newest epoch published here is that new but cannot be adopted without agreement.
     */
    private void awaitEpoch(long e, int peer) {
        long lastReport = System.nanoTime();
        while (true) {
            adoptIfRemovalOnly("to redo a collective with rank " + peer);
            if (current.epoch() >= e) {
                return;
            }
            if (source.latest().epoch() >= e) {
                log.accept("cannot adopt topology " + source.latest() + " without agreement; redoing the collective"
                        + " over the members of " + current);
                return;
            }
            serveReplays();
            sleep(WaitHook.POLL.toMillis());
            long now = System.nanoTime();
            if (now - lastReport > REPORT_NANOS) {
                lastReport = now;
                log.accept("waiting for topology epoch " + e + " (rank " + peer + " redoes a collective under it); "
                        + "the newest here is " + source.latest());
            }
        }
    }

    /**
     * Sync point after iteration k, collective over the members: agrees on the newest epoch every member has seen
     * and, if it is newer than the current one, switches to it from iteration k + 1 (after handing joining ranks
     * their welcome). Every member must call it after the same iterations.
     */
    public void agree(long k) {
        iteration = k;
        TopologyEpoch[] reported = new TopologyEpoch[1];
        int[] members = collective(() -> {
            reported[0] = source.latest();
            for (int r = 0; r < workers; r++) {
                known.put(r, 0f);
            }
            known.put(rank, (float) reported[0].epoch());
            int[] over = current.members();
            agreeReducer.average(known, collectiveTag(), k, over, hook());
            return over;  // the members it was completed over (the epoch may have changed while it ran)
        });
        if (members == null || excluded()) {
            return;  // excluded meanwhile
        }
        long target = -1;
        for (int m : members) {
            long e = Math.round((double) known.get(m) * members.length);
            if (target < 0) {
                target = e;
            } else if (e != target) {
                return;  // not every member has seen the same epoch yet: ask again at the next sync point
            }
        }
        TopologyEpoch next = reported[0];
        boolean newer = target > current.epoch() || (provisional && target == current.epoch());
        if (!newer || next.epoch() != target) {
            return;
        }
        List<Integer> joiners = new ArrayList<>();
        for (int j : next.joinersSince(current)) {
            joiners.add(j);
        }
        for (int j : joiners) {
            int[] contributors = contributors(current, next, j, joiners);
            if (Arrays.binarySearch(contributors, rank) >= 0) {
                sendWelcome(j, next, k, contributors);
            }
        }
        adopt(next, "agreed at iteration " + k + (joiners.isEmpty() ? "" : ", rank" + (joiners.size() > 1 ? "s " : " ")
                + joiners.toString().replaceAll("[\\[\\]]", "") + " joining"), false);
    }

    /**
     * For an excluded rank: waits until an epoch includes it and its neighbours hand it their state at the agreed
     * switch, then loads the average of their states and that epoch. Returns what it received; the caller goes on
     * with iteration {@code welcome.iteration() + 1}. Waits as long as it takes (the operator decides when a rank
     * rejoins), saying every few seconds what it waits for.
     */
    public Welcome awaitInclusion() {
        if (optimizer == null) {
            throw new IllegalStateException("attach an optimizer first");
        }
        log.accept(excluded() ? "excluded from topology " + current + ": waiting for an epoch that includes rank " + rank
                : "rank " + rank + " is a replacement (topology " + current + "): waiting for the neighbours' welcome");
        long lastReport = System.nanoTime();
        while (true) {
            TopologyEpoch latest = source.latest();
            if (latest.epoch() > current.epoch() && !latest.includes(rank)) {
                adopt(latest, "still excluded", false);  // an epoch that includes this rank is adopted when it joins
            }
            if (latest.includes(rank)) {
                for (int peer : latest.members()) {
                    if (peer == rank) {
                        continue;
                    }
                    header.clear();
                    if (transport.receive(peer, welcomeTag(latest.epoch(), 0), header, p -> true)) {
                        return join(latest, peer);
                    }
                }
            } else {
                sleep(WaitHook.POLL.toMillis());
            }
            long now = System.nanoTime();
            if (now - lastReport > REPORT_NANOS) {
                lastReport = now;
                log.accept(latest.includes(rank)
                        ? "included in topology " + latest + ": waiting for the neighbours' welcome"
                        : "still excluded from topology " + latest);
            }
        }
    }

    private Welcome join(TopologyEpoch next, int first) {
        long[] head = decodeHeader();
        long k = head[0];
        long steps = head[1];
        int[] from = decodeMask();
        double[][] sums = new double[state.size()][];
        for (int b = 0; b < state.size(); b++) {
            sums[b] = new double[state.get(b).limit()];
        }
        FloatBuffer scratch = FloatBuffer.allocate(state.stream().mapToInt(FloatBuffer::limit).max().orElse(0));
        for (int q : from) {
            if (q != first) {
                header.clear();
                transport.receive(q, welcomeTag(next.epoch(), 0), header); // the same header from each sender
            }
            for (int b = 0; b < state.size(); b++) {
                scratch.clear();
                scratch.limit(state.get(b).limit());
                transport.receive(q, welcomeTag(next.epoch(), 1 + b), scratch);
                double[] s = sums[b];
                for (int i = 0; i < s.length; i++) {
                    s[i] += scratch.get(i);
                }
            }
        }
        for (int b = 0; b < state.size(); b++) {
            FloatBuffer dst = state.get(b);
            double[] s = sums[b];
            for (int i = 0; i < s.length; i++) {
                dst.put(i, (float) (s[i] / from.length));
            }
        }
        optimizer.restoreStepCount(steps);
        iteration = k;
        joined = true;
        adopt(next, "joined: state averaged over rank" + (from.length > 1 ? "s " : " ")
                + Arrays.toString(from).replaceAll("[\\[\\]]", "") + ", training from iteration " + (k + 1), false);
        return new Welcome(k, steps, Arrays.copyOfRange(head, 2, HEADER_LONGS), from);
    }

    private void sendWelcome(int joiner, TopologyEpoch next, long k, int[] contributors) {
        transport.forgetPeer(joiner); // a new process under that rank: forget what failed with the old one
        long[] values = extra.get();
        long[] head = new long[HEADER_LONGS];
        head[0] = k;
        head[1] = optimizer.stepCount();
        System.arraycopy(values, 0, head, 2, Math.min(EXTRA, values.length));
        header.clear();
        for (int i = 0; i < HEADER_LONGS; i++) {
            for (int p = 0; p < 4; p++) {
                header.put(i * 4 + p, (float) ((head[i] >>> (16 * (3 - p))) & 0xFFFF));
            }
        }
        for (int r = 0; r < workers; r++) {
            header.put(HEADER_LONGS * 4 + r, Arrays.binarySearch(contributors, r) >= 0 ? 1f : 0f);
        }
        transport.send(joiner, welcomeTag(next.epoch(), 0), header);
        for (int b = 0; b < state.size(); b++) {
            FloatBuffer block = state.get(b).duplicate();
            block.position(0);
            transport.send(joiner, welcomeTag(next.epoch(), 1 + b), block);
        }
        log.accept("welcome to rank " + joiner + " sent: iteration " + k + ", " + state.size() + " state blocks");
    }

    private long[] decodeHeader() {
        long[] out = new long[HEADER_LONGS];
        for (int i = 0; i < HEADER_LONGS; i++) {
            long v = 0;
            for (int p = 0; p < 4; p++) {
                v = (v << 16) | ((long) header.get(i * 4 + p) & 0xFFFF);
            }
            out[i] = v;
        }
        return out;
    }

    private int[] decodeMask() {
        List<Integer> from = new ArrayList<>();
        for (int r = 0; r < workers; r++) {
            if (header.get(HEADER_LONGS * 4 + r) != 0f) {
                from.add(r);
            }
        }
        return from.stream().mapToInt(Integer::intValue).toArray();
    }

    private static MessageTag welcomeTag(long epoch, int part) {
        return new MessageTag(epoch, 0, part, WELCOME_CHANNEL);
    }

    /**
     * Who welcomes joiner j into {@code next}: its neighbours in {@code next} that are members now and not joining;
     * if it has none (all its neighbours are joining too), the lowest-ranked current member.
     */
    static int[] contributors(TopologyEpoch now, TopologyEpoch next, int j, List<Integer> joiners) {
        int[] c = Arrays.stream(next.neighbours(j)).filter(r -> now.includes(r) && !joiners.contains(r)).sorted()
                .toArray();
        return c.length > 0 ? c : new int[] {now.members()[0]};
    }

    /**
     * Whether {@code to} can be adopted by {@code rank} without coordination: same gossip rounds, static W in both,
     * nobody joining, and the rank's neighbours in {@code to} a subset of those in {@code from}.
     */
    public static boolean removalOnly(TopologyEpoch from, TopologyEpoch to, int rank) {
        if (from.gossipRounds() != to.gossipRounds() || from.schedule().period() != 1
                || to.schedule().period() != 1) {
            return false;
        }
        for (int m : to.members()) {
            if (!from.includes(m)) {
                return false;
            }
        }
        int[] before = from.neighbours(rank);
        for (int j : to.neighbours(rank)) {
            if (Arrays.stream(before).noneMatch(b -> b == j)) {
                return false;
            }
        }
        return true;
    }

    private boolean abandon(int peer) {
        serveReplays();  // a blocked gossip round is also where this rank answers replay requests
        return adoptIfRemovalOnly("while waiting for rank " + peer);
    }

    private void adopt(TopologyEpoch next, String reason, boolean cutOutJoiners) {
        TopologyEpoch old = current;
        for (int r : next.excluded()) {
            if (old.includes(r) && r != rank) {
                transport.forgetPeer(r);
            }
        }
        if (optimizer != null) {
            optimizer.setTopology(next.epoch(), next.schedule(), next.gossipRounds());
        }
        current = next;
        provisional = cutOutJoiners;
        log.accept("topology epoch " + old.epoch() + " -> " + next.epoch() + " at iteration " + iteration
                + (reason.isEmpty() ? "" : " (" + reason + ")") + ": " + next.type() + ", neighbours "
                + Arrays.toString(old.neighbours(rank)) + " -> " + Arrays.toString(next.neighbours(rank))
                + (next.excluded().length == 0 ? "" : ", excluded " + Arrays.toString(next.excluded())));
        epochListener.accept(next.epoch());
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new io.dgan.transport.TransportException("interrupted while waiting to rejoin", e);
        }
    }
}
