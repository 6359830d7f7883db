package io.dgan.transport.grpc;

import io.dgan.transport.MessageTag;
import io.dgan.transport.TransportException;

import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Vectors that arrived from peers, keyed by (sender rank, tag), waiting for {@code receive}. Only complete, validated
 * vectors are ever handed out; a vector under assembly is invisible. A tag can be delivered once: a second push of a
 * tag that is pending, in progress or recently consumed is refused, so a duplicated or replayed message never lands
 * in a later round. A refused push leaves no trace but its reason, which the matching {@code receive} names should it
 * time out: it does not fail that receive, so that a forged or broken push never takes a round from the real sender.
 */
final class Mailbox {
    /**
     * Channel of a goodbye: the sender stopped and will send nothing more (the tag's round says why, see
     * {@link GrpcTransport.Departure}). Not delivered to receives: it marks the sender as departed.
     */
    static final int GOODBYE_CHANNEL = Integer.MAX_VALUE;

    /** How many consumed tags per sender are remembered to refuse replays. */
    private static final int CONSUMED_MEMORY = 4096;

    record Key(int sender, MessageTag tag) {
    }

    /** A complete vector: chunks in offset order, covering [0, length). */
    record Arrived(long length, WireFormat wire, List<VectorChunk> chunks) {
        void release() {
            chunks.forEach(VectorChunk::release);
        }
    }

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final Map<Key, Arrived> complete = new HashMap<>();
    private final Set<Key> assembling = new HashSet<>();
    /** Why the last push of a key was refused; bounded (cleared when it grows past {@link #REFUSAL_MEMORY}). */
    private final Map<Key, String> refusals = new HashMap<>();
    private static final int REFUSAL_MEMORY = 1024;
    private final Map<Integer, LinkedHashSet<MessageTag>> consumed = new HashMap<>();
    private final Map<Integer, Integer> pendingPerSender = new HashMap<>();
    /** Senders that said goodbye, with the goodbye's tag. */
    private final Map<Integer, MessageTag> departed = new HashMap<>();
    private final int maxPendingPerSender;
    private boolean closed;

    Mailbox(int maxPendingPerSender) {
        this.maxPendingPerSender = maxPendingPerSender;
    }

    /** Registers a push that is starting; returns null if accepted, else why it is refused. */
    String begin(Key key) {
        lock.lock();
        try {
            if (closed) {
                return "transport is closing";
            }
            if (assembling.contains(key) || complete.containsKey(key)) {
                return "duplicate push: a vector from rank " + key.sender() + " with " + key.tag() + " is already here";
            }
            if (consumed.getOrDefault(key.sender(), new LinkedHashSet<>()).contains(key.tag())) {
                return "late duplicate: the vector from rank " + key.sender() + " with " + key.tag()
                        + " was already received";
            }
            int pending = pendingPerSender.getOrDefault(key.sender(), 0);
            if (pending >= maxPendingPerSender) {
                return "rank " + key.sender() + " already has " + pending + " vectors waiting here (limit "
                        + maxPendingPerSender + ")";
            }
            pendingPerSender.put(key.sender(), pending + 1);
            assembling.add(key);
            return null;
        } finally {
            lock.unlock();
        }
    }

    /** A push registered with {@link #begin} completed and validated. */
    void complete(Key key, Arrived arrived) {
        lock.lock();
        try {
            assembling.remove(key);
            if (closed) {
                arrived.release();
                return;
            }
            if (key.tag().channel() == GOODBYE_CHANNEL) {
                decrementPending(key.sender());
                arrived.release();
                departed.put(key.sender(), key.tag());
                changed.signalAll();
                return;
            }
            complete.put(key, arrived);
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * A push registered with {@link #begin} was refused or interrupted: it is forgotten (the tag may still arrive
     * from the real sender); a receive of it that times out names {@code reason}.
     */
    void refused(Key key, String reason) {
        lock.lock();
        try {
            if (assembling.remove(key)) {
                decrementPending(key.sender());
            }
            if (refusals.size() >= REFUSAL_MEMORY) {
                refusals.clear();
            }
            refusals.put(key, reason);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Waits for the complete vector {@code key}. The caller owns the result and must release it.
     *
     * @throws TransportException on timeout or when the mailbox is closed
     */
    Arrived take(Key key, Duration timeout, String peerDescription) {
        return take(key, timeout, peerDescription, true);
    }

    /** As {@link #take(Key, Duration, String)}; with {@code throwOnTimeout} false, null when the time is up. */
    Arrived take(Key key, Duration timeout, String peerDescription, boolean throwOnTimeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        lock.lock();
        try {
            while (true) {
                Arrived arrived = complete.remove(key);
                if (arrived != null) {
                    decrementPending(key.sender());
                    refusals.remove(key);
                    LinkedHashSet<MessageTag> seen = consumed.computeIfAbsent(key.sender(), s -> new LinkedHashSet<>());
                    seen.add(key.tag());
                    if (seen.size() > CONSUMED_MEMORY) {
                        seen.remove(seen.iterator().next());
                    }
                    return arrived;
                }
                if (closed) {
                    throw new TransportException("receive from " + peerDescription + " " + key.tag()
                            + ": transport closed");
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    if (!throwOnTimeout) {
                        return null;
                    }
                    throw new TransportException("timed out after " + timeout.toMillis() + " ms waiting for "
                            + peerDescription + " to send " + key.tag()
                            + (assembling.contains(key) ? " (a push is in progress but incomplete)" : "")
                            + (refusals.containsKey(key) ? " (a push of it was refused: " + refusals.get(key) + ")"
                            : ""));
                }
                changed.awaitNanos(left);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TransportException("interrupted while waiting for " + peerDescription + " " + key.tag(), e);
        } finally {
            lock.unlock();
        }
    }

    /**
     * The goodbye of {@code sender} (it stopped and sends nothing more), or null. Everything it pushed before is
     * here already: a worker says goodbye only after its pushes were acknowledged.
     */
    MessageTag departure(int sender) {
        lock.lock();
        try {
            return departed.get(sender);
        } finally {
            lock.unlock();
        }
    }

    /** Whether a push of {@code key} is arriving (started, not complete yet). */
    boolean arriving(Key key) {
        lock.lock();
        try {
            return assembling.contains(key);
        } finally {
            lock.unlock();
        }
    }

    /** A new process took the rank of {@code sender}: its predecessor's goodbye no longer applies. */
    void forgetDeparture(int sender) {
        lock.lock();
        try {
            departed.remove(sender);
        } finally {
            lock.unlock();
        }
    }

    private void decrementPending(int sender) {
        pendingPerSender.merge(sender, -1, Integer::sum);
    }

    void close() {
        lock.lock();
        try {
            closed = true;
            complete.values().forEach(Arrived::release);
            complete.clear();
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }
}
