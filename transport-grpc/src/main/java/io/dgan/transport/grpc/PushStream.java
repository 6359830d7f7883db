package io.dgan.transport.grpc;

import io.dgan.transport.grpc.proto.PushAck;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * The sending side of one {@code PushStream} call to a peer: vectors go out one after another on the same HTTP/2
 * stream, and the peer acknowledges each complete vector, in order. One call carries many vectors, so a vector
 * costs no stream set-up, headers, trailers or deadline timers of its own (a {@code Push} call per vector did).
 *
 * <p>A call ends when the peer refuses a vector (with the refusal's status), when the connection breaks, when this
 * worker cancels it ({@link PeerLink}) or half-closes it at shutdown. Every vector not yet acknowledged then ends
 * with the call's status, exactly as its own {@code Push} call would have; the next vector opens a new call.
 */
final class PushStream {
    /** A vector sent on the call and not acknowledged yet. */
    record Outstanding(CountDownLatch done, long startedNanos, long wireBytes, Finish finish) {
    }

    /** What happens when a vector is acknowledged (status OK) or its call ends first (the call's status). */
    @FunctionalInterface
    interface Finish {
        void finished(Outstanding vector, Status status);
    }

    final ClientCall<VectorChunk, PushAck> call;
    private final ArrayDeque<Outstanding> outstanding = new ArrayDeque<>();
    private boolean ended;

    private PushStream(ClientCall<VectorChunk, PushAck> call) {
        this.call = call;
    }

    /** Opens the call; it waits for a connection (waitForReady) and has no deadline (see PeerLink's watchdog). */
    static PushStream open(PeerLink link, MethodDescriptor<VectorChunk, PushAck> method) {
        ClientCall<VectorChunk, PushAck> call = link.channel.newCall(method, CallOptions.DEFAULT.withWaitForReady());
        PushStream stream = new PushStream(call);
        call.start(new ClientCall.Listener<>() {
            @Override
            public void onMessage(PushAck ack) {
                stream.acknowledged();
                call.request(1);
            }

            @Override
            public void onClose(Status status, Metadata trailers) {
                stream.ended(status.isOk()
                        ? Status.UNAVAILABLE.withDescription("the peer ended the push stream") : status);
            }
        }, link.pushHeaders());
        call.request(1);
        return stream;
    }

    /** Registers a vector about to be sent; false if the call has ended (open a new one). */
    synchronized boolean expect(Outstanding vector) {
        if (ended) {
            return false;
        }
        outstanding.add(vector);
        return true;
    }

    synchronized boolean ended() {
        return ended;
    }

    /**
     * Cancels the call. It takes no vector from now on, even before gRPC reports the end (a vector sent on a
     * cancelled call would fail its sender): the next vector opens a new call. The vectors not yet acknowledged end
     * with the call's status when gRPC reports it.
     */
    void cancel(String why, Throwable cause) {
        synchronized (this) {
            ended = true;
        }
        call.cancel(why, cause);
    }

    /** When the oldest unacknowledged vector was sent (System.nanoTime), or -1 if none is. */
    synchronized long oldestNanos() {
        Outstanding first = outstanding.peek();
        return first == null ? -1 : first.startedNanos();
    }

    private void acknowledged() {
        Outstanding vector;
        synchronized (this) {
            vector = outstanding.poll();
        }
        if (vector != null) {
            vector.finish().finished(vector, Status.OK);
        }
    }

    private void ended(Status status) {
        List<Outstanding> left;
        synchronized (this) {
            ended = true;
            left = new ArrayList<>(outstanding);
            outstanding.clear();
        }
        for (Outstanding vector : left) {
            vector.finish().finished(vector, status);
        }
    }
}
