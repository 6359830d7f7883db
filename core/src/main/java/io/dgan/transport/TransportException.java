package io.dgan.transport;

/** A failed or timed-out exchange with a peer. Unchecked so that optimizer loops stay readable. */
public class TransportException extends RuntimeException {
    public TransportException(String message) {
        super(message);
    }

    public TransportException(String message, Throwable cause) {
        super(message, cause);
    }
}
