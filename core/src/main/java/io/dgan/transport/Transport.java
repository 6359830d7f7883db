package io.dgan.transport;

import java.nio.FloatBuffer;

/**
 * Point-to-point exchange of tagged float vectors between the ranks of one job. Implementations: in-memory
 * (threads in one JVM) and gRPC (worker processes). The transport adds no math: what is received is exactly what
 * was sent, float for float.
 *
 * <p>Vectors are passed as {@link FloatBuffer}s so that they can be live views of native memory (DL4J parameters)
 * or heap arrays alike. Only the elements between position and limit are sent/received; positions and limits of the
 * caller's buffers are left unchanged.
 */
public interface Transport extends AutoCloseable {
    /** This worker's rank, 0..size()-1. */
    int rank();

    /** Number of workers in the job. */
    int size();

    /**
     * Sends {@code src[position..limit)} to {@code peer} under {@code tag}. May return before the peer has received
     * it, but only once {@code src} may be modified again by the caller.
     */
    void send(int peer, MessageTag tag, FloatBuffer src) throws TransportException;

    /**
     * Blocks until the vector that {@code peer} sent under {@code tag} has arrived and writes it into
     * {@code dst[position..limit)}. A vector of another length is an error. Times out with a
     * {@link TransportException} naming the peer.
     */
    void receive(int peer, MessageTag tag, FloatBuffer dst) throws TransportException;

    /**
     * Like {@link #receive(int, MessageTag, FloatBuffer)}, but asks {@code hook} about every {@link WaitHook#POLL}
     * while it waits; if the hook says to abandon, returns false with {@code dst} untouched (the message, should it
     * arrive later, stays unclaimed). The receive timeout still applies. Returns true once the vector is in
     * {@code dst}. The default cannot be interrupted (it never returns false).
     */
    default boolean receive(int peer, MessageTag tag, FloatBuffer dst, WaitHook hook) throws TransportException {
        receive(peer, tag, dst);
        return true;
    }

    /**
     * Non-blocking receive: if the vector {@code peer} sent under {@code tag} has arrived, writes it into
     * {@code dst[position..limit)} and returns true; otherwise returns false at once, leaving {@code dst} untouched.
     * Used by the collectives' failure handling (an abort or a replay request that may or may not have been sent,
     * checked while the caller waits for something else; see {@link RingAllReduce}).
     */
    boolean tryReceive(int peer, MessageTag tag, FloatBuffer dst) throws TransportException;

    /**
     * This rank stopped exchanging with {@code peer} (cut out of the topology) or is about to exchange with a new
     * process under that rank (a replacement): drop what is pending about it (unacknowledged pushes, a recorded
     * push failure) so that neither blocks nor fails later calls. Default: nothing to drop.
     */
    default void forgetPeer(int peer) {
    }

    @Override
    void close();
}
