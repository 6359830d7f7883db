package io.dgan.transport;

import java.nio.FloatBuffer;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A transport that counts the wall time its caller spends in {@code send} (for gRPC: serialising the vector into
 * the wire format and handing it to the channel) and in {@code receive}/{@code tryReceive} (waiting for the peer,
 * then copying the vector out), cumulatively, in nanoseconds. Everything else is passed through unchanged.
 * The training loop reads the counters once per iteration to split its time (the run's metrics).
 */
public final class TimedTransport implements Transport {
    private final Transport inner;
    private final AtomicLong sendNanos = new AtomicLong();
    private final AtomicLong receiveNanos = new AtomicLong();

    public TimedTransport(Transport inner) {
        this.inner = inner;
    }

    /** Cumulative time in send. */
    public long sendNanos() {
        return sendNanos.get();
    }

    /** Cumulative time in receive and tryReceive (waiting included). */
    public long receiveNanos() {
        return receiveNanos.get();
    }

    @Override
    public int rank() {
        return inner.rank();
    }

    @Override
    public int size() {
        return inner.size();
    }

    @Override
    public void send(int peer, MessageTag tag, FloatBuffer src) throws TransportException {
        long t0 = System.nanoTime();
        try {
            inner.send(peer, tag, src);
        } finally {
            sendNanos.addAndGet(System.nanoTime() - t0);
        }
    }

    @Override
    public void receive(int peer, MessageTag tag, FloatBuffer dst) throws TransportException {
        long t0 = System.nanoTime();
        try {
            inner.receive(peer, tag, dst);
        } finally {
            receiveNanos.addAndGet(System.nanoTime() - t0);
        }
    }

    @Override
    public boolean receive(int peer, MessageTag tag, FloatBuffer dst, WaitHook hook) throws TransportException {
        long t0 = System.nanoTime();
        try {
            return inner.receive(peer, tag, dst, hook);
        } finally {
            receiveNanos.addAndGet(System.nanoTime() - t0);
        }
    }

    @Override
    public boolean tryReceive(int peer, MessageTag tag, FloatBuffer dst) throws TransportException {
        long t0 = System.nanoTime();
        try {
            return inner.tryReceive(peer, tag, dst);
        } finally {
            receiveNanos.addAndGet(System.nanoTime() - t0);
        }
    }

    @Override
    public void forgetPeer(int peer) {
        inner.forgetPeer(peer);
    }

    @Override
    public void close() {
        inner.close();
    }
}
