package io.dgan.transport.grpc;

/**
 * Hooks through which the transport reports traffic and failures per peer (the worker's Prometheus metrics implement
 * it). Called from gRPC threads: implementations must be fast and thread-safe.
 */
public interface TransportListener {
    TransportListener NONE = new TransportListener() {
    };

    /**
     * A vector of {@code bytes} wire bytes reached {@code peer} and was acknowledged, {@code seconds} after
     * {@code send} began.
     */
    default void bytesSent(int peer, long bytes, double seconds) {
    }

    /** A complete, validated vector of {@code bytes} wire bytes arrived from {@code peer}. */
    default void bytesReceived(int peer, long bytes) {
    }

    /** An exchange with {@code peer} (-1: a connection that never said who it is) failed; {@code code} is a gRPC status code. */
    default void failure(int peer, String code) {
    }

    /**
     * A peer's call or vector was refused before anything of it was used: {@code peer} is a rank this worker
     * identified (-1: a connection that never proved a rank of this job), {@code reason} one of the fixed
     * {@link Refusal} names, never a value chosen by the peer.
     */
    default void refused(int peer, String reason) {
    }

    /** This worker now exchanges vectors with {@code peer} (its link is opened). */
    default void linked(int peer) {
    }

    /** The worker is waiting for {@code peer} to resolve and answer the handshake. */
    default void waiting(int peer, String address, String reason) {
    }

    /** The gossip certificate this worker presents is valid until {@code notAfter} (told at start and on renewal). */
    default void certificate(java.time.Instant notAfter) {
    }

    /**
     * The credential files changed: {@code renewed} true when the new certificate is in use, false when the files
     * could not be used (the previous credentials stay in use).
     */
    default void certificateReload(boolean renewed) {
    }
}
