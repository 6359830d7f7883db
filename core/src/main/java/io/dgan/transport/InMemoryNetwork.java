package io.dgan.transport;

import java.nio.FloatBuffer;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;

/**
 * M ranks in one JVM (one thread each): hands out one {@link Transport} per rank. A send copies the vector into the
 * receiver's mailbox under (sender, tag); a receive blocks until exactly that (sender, tag) is there, so a message
 * with another tag is never consumed by it, whatever the arrival order.
 *
 * <p>Each mailbox is a small map guarded by its own monitor: only the owning rank waits on it, so a send wakes at
 * most one thread. Copies are plain {@code float[]}s; large ones are recycled through a per-length pool once the
 * receiver has copied them out (parameter-sized messages every iteration would otherwise churn the heap).
 */
public final class InMemoryNetwork implements AutoCloseable {
    /** Default receive timeout: generous, because ranks are threads on a possibly busy machine. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);

    /** Messages below this many floats are cheap to allocate and are not pooled. */
    private static final int POOLED_MIN_LENGTH = 1024;
    private static final int POOL_PER_LENGTH = 32;

    private final Mailbox[] mailboxes;
    private final Duration timeout;
    private final Map<Integer, ArrayBlockingQueue<float[]>> pool = new ConcurrentHashMap<>();

    public InMemoryNetwork(int workers) {
        this(workers, DEFAULT_TIMEOUT);
    }

    public InMemoryNetwork(int workers, Duration receiveTimeout) {
        if (workers < 1) {
            throw new IllegalArgumentException("workers must be >= 1, got " + workers);
        }
        this.timeout = Objects.requireNonNull(receiveTimeout, "receiveTimeout");
        this.mailboxes = new Mailbox[workers];
        for (int i = 0; i < workers; i++) {
            mailboxes[i] = new Mailbox();
        }
    }

    public int size() {
        return mailboxes.length;
    }

    /** The transport of {@code rank}; each call returns a new handle onto the same mailbox. */
    public Transport transport(int rank) {
        if (rank < 0 || rank >= mailboxes.length) {
            throw new IllegalArgumentException("rank " + rank + " outside 0.." + (mailboxes.length - 1));
        }
        return new Endpoint(rank);
    }

    /** Messages delivered to {@code rank} but not yet received (for tests and leak checks). */
    public int pending(int rank) {
        return mailboxes[rank].pending();
    }

    /** Wakes every blocked receive with a TransportException. */
    @Override
    public void close() {
        for (Mailbox m : mailboxes) {
            m.close();
        }
    }

    private float[] borrow(int length) {
        if (length >= POOLED_MIN_LENGTH) {
            ArrayBlockingQueue<float[]> q = pool.get(length);
            float[] a = q == null ? null : q.poll();
            if (a != null) {
                return a;
            }
        }
        return new float[length];
    }

    private void recycle(float[] a) {
        if (a.length >= POOLED_MIN_LENGTH) {
            pool.computeIfAbsent(a.length, n -> new ArrayBlockingQueue<>(POOL_PER_LENGTH)).offer(a);
        }
    }

    private record Key(int sender, MessageTag tag) {
    }

    private static final class Mailbox {
        private final Map<Key, Object> slots = new HashMap<>();  // float[] or ArrayDeque<float[]> for duplicates
        private int pending;
        private boolean closed;

        synchronized void put(Key key, float[] data) {
            if (closed) {
                throw new TransportException("in-memory network closed: cannot deliver " + key.tag()
                        + " from rank " + key.sender());
            }
            Object old = slots.putIfAbsent(key, data);
            if (old != null) {
                // Rare: the same (sender, tag) sent again before the first was received. Keep FIFO order.
                ArrayDeque<float[]> queue;
                if (old instanceof ArrayDeque<?>) {
                    @SuppressWarnings("unchecked") ArrayDeque<float[]> q = (ArrayDeque<float[]>) old;
                    queue = q;
                } else {
                    queue = new ArrayDeque<>();
                    queue.add((float[]) old);
                    slots.put(key, queue);
                }
                queue.add(data);
            }
            pending++;
            notifyAll();
        }

        synchronized float[] take(Key key, long timeoutNanos, int receiver) {
            return take(key, timeoutNanos, receiver, true);
        }

        /** With {@code throwOnTimeout} false, returns null when the timeout passes without the message. */
        synchronized float[] take(Key key, long timeoutNanos, int receiver, boolean throwOnTimeout) {
            long deadline = System.nanoTime() + timeoutNanos;
            while (true) {
                Object slot = slots.get(key);
                if (slot != null) {
                    pending--;
                    if (slot instanceof ArrayDeque<?>) {
                        @SuppressWarnings("unchecked") ArrayDeque<float[]> q = (ArrayDeque<float[]>) slot;
                        float[] data = q.poll();
                        if (q.isEmpty()) {
                            slots.remove(key);
                        }
                        return data;
                    }
                    slots.remove(key);
                    return (float[]) slot;
                }
                if (closed) {
                    throw new TransportException("rank " + receiver + ": network closed while waiting for "
                            + key.tag() + " from rank " + key.sender());
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    if (!throwOnTimeout) {
                        return null;
                    }
                    throw new TransportException("rank " + receiver + ": timed out waiting for " + key.tag()
                            + " from peer rank " + key.sender());
                }
                try {
                    wait(left / 1_000_000, (int) (left % 1_000_000));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new TransportException("rank " + receiver + ": interrupted waiting for " + key.tag()
                            + " from peer rank " + key.sender(), e);
                }
            }
        }

        synchronized int pending() {
            return pending;
        }

        synchronized void close() {
            closed = true;
            notifyAll();
        }
    }

    private final class Endpoint implements Transport {
        private final int rank;
        private volatile boolean closed;

        Endpoint(int rank) {
            this.rank = rank;
        }

        @Override
        public int rank() {
            return rank;
        }

        @Override
        public int size() {
            return mailboxes.length;
        }

        @Override
        public void send(int peer, MessageTag tag, FloatBuffer src) {
            checkPeer(peer, tag);
            int from = src.position();
            float[] copy = borrow(src.limit() - from);
            src.get(from, copy);  // absolute bulk get: src's position and limit stay as they were
            mailboxes[peer].put(new Key(rank, tag), copy);
        }

        @Override
        public void receive(int peer, MessageTag tag, FloatBuffer dst) {
            checkPeer(peer, tag);
            float[] data = mailboxes[rank].take(new Key(peer, tag), timeout.toNanos(), rank);
            deliver(peer, tag, dst, data);
        }

        @Override
        public boolean receive(int peer, MessageTag tag, FloatBuffer dst, WaitHook hook) {
            checkPeer(peer, tag);
            long deadline = System.nanoTime() + timeout.toNanos();
            Key key = new Key(peer, tag);
            while (true) {
                long left = deadline - System.nanoTime();
                long slice = Math.min(WaitHook.POLL.toNanos(), Math.max(left, 0));
                float[] data = mailboxes[rank].take(key, slice, rank, left <= slice);
                if (data != null) {
                    deliver(peer, tag, dst, data);
                    return true;
                }
                if (hook.abandon(peer)) {
                    return false;
                }
            }
        }

        @Override
        public boolean tryReceive(int peer, MessageTag tag, FloatBuffer dst) {
            checkPeer(peer, tag);
            float[] data = mailboxes[rank].take(new Key(peer, tag), 0, rank, false);
            if (data == null) {
                return false;
            }
            deliver(peer, tag, dst, data);
            return true;
        }

        private void deliver(int peer, MessageTag tag, FloatBuffer dst, float[] data) {
            int n = dst.limit() - dst.position();
            if (data.length != n) {
                throw new TransportException("rank " + rank + ": " + tag + " from peer rank " + peer + " has "
                        + data.length + " floats, expected " + n);
            }
            dst.put(dst.position(), data);
            recycle(data);
        }

        private void checkPeer(int peer, MessageTag tag) {
            if (closed) {
                throw new TransportException("rank " + rank + ": transport closed (" + tag + ", peer " + peer + ")");
            }
            if (peer < 0 || peer >= mailboxes.length || peer == rank) {
                throw new TransportException("rank " + rank + ": invalid peer rank " + peer + " for " + tag
                        + " (size " + mailboxes.length + ")");
            }
        }

        @Override
        public void close() {
            closed = true;
        }
    }
}
