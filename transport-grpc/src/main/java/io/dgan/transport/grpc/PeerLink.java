package io.dgan.transport.grpc;

import io.dgan.transport.TransportException;
import io.dgan.transport.grpc.proto.Hello;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;

import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * The outgoing side of the link to one peer: a gRPC channel (which reconnects by itself), the handshake, the pushes
 * still waiting for their acknowledgement, and the first failure of a push, reported on the next call.
 */
final class PeerLink {
    private static final long INITIAL_BACKOFF_MS = 50;
    private static final long MAX_BACKOFF_MS = 2000;
    private static final long REPORT_EVERY_MS = 5000;

    final int peer;
    final String address;
    final ManagedChannel channel;
    private final GrpcTransportConfig config;
    private final TransportListener listener;
    private final Consumer<String> log;
    private volatile boolean handshaken;
    private final AtomicReference<String> failure = new AtomicReference<>();
    private final java.util.Map<CountDownLatch, ClientCall<?, ?>> pending = new ConcurrentHashMap<>();
    private final Metadata pushHeaders;
    private volatile long lastUnreachableReport;
    /** Held while a vector's chunks go out: the vectors of one stream never interleave. */
    final java.util.concurrent.locks.ReentrantLock sendLock = new java.util.concurrent.locks.ReentrantLock();
    /** The push stream to this peer (guarded by sendLock); a new one opens when it ended. */
    private PushStream stream;

    PeerLink(int peer, String address, GrpcTransportConfig config, TransportListener listener, Consumer<String> log) {
        this.peer = peer;
        this.address = address;
        this.config = config;
        this.listener = listener;
        this.log = log;
        NettyChannelBuilder builder = NettyChannelBuilder.forTarget(address);
        NettyTuning.apply(config, builder::withOption);
        if (config.tls != null) {
            builder.sslContext(config.tls.clientContext(config.size, peer));
        } else {
            builder.usePlaintext();
        }
        // Keepalive may only give up on a silent peer after the receive timeout: a peer frozen for less (a long GC,
        // SIGSTOP, an evaluation) is waited for, as its vectors are, instead of losing the connection with the
        // vectors in flight on it.
        long receiveMs = config.receiveTimeout.toMillis();
        // No transparent retries: gRPC would replay a call's messages on a new stream, but a chunk's payload is
        // drained into gRPC's buffer once and is not kept (the push stream's vectors fail with the call instead, and
        // the next vector opens a new call).
        builder.disableRetry();
        this.channel = builder
                .directExecutor()
                .flowControlWindow(config.flowControlWindow)
                .maxInboundMessageSize(1 << 16)
                .keepAliveTime(Math.max(10_000, Math.min(30_000, receiveMs / 2)), TimeUnit.MILLISECONDS)
                .keepAliveTimeout(Math.max(20_000, receiveMs), TimeUnit.MILLISECONDS)
                .build();
        Metadata headers = new Metadata();
        headers.put(ConnectionGuard.HELLO, Handshake.hello(config, peer).toByteArray());
        this.pushHeaders = headers;
    }

    /** The headers of every push: this worker's hello, which binds a fresh connection (e.g. after a reconnect). */
    Metadata pushHeaders() {
        Metadata copy = new Metadata();
        copy.merge(pushHeaders);
        return copy;
    }

    String describe() {
        return "rank " + peer + " (" + address + ")";
    }

    /**
     * Handshakes once; until the peer resolves and answers, retries with exponential backoff, telling the listener
     * and the log every few seconds which rank it waits for. A refused handshake fails at once.
     */
    void ensureHandshake(Duration timeout) {
        if (handshaken) {
            return;
        }
        synchronized (this) {
            if (handshaken) {
                return;
            }
            Hello mine = Handshake.hello(config, peer);
            long start = System.nanoTime();
            long deadline = start + timeout.toNanos();
            long backoff = INITIAL_BACKOFF_MS;
            long lastReport = start;
            String lastError = "no answer yet";
            while (true) {
                try {
                    long attemptMs = Math.max(100, Math.min(config.callTimeout.toMillis(),
                            TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
                    Hello theirs = ClientCalls.blockingUnaryCall(channel, GossipMethods.hello(),
                            CallOptions.DEFAULT.withDeadlineAfter(Math.min(attemptMs, 5000), TimeUnit.MILLISECONDS),
                            mine);
                    String mismatch = Handshake.mismatch(mine, theirs);
                    if (mismatch != null) {
                        listener.failure(peer, Status.Code.FAILED_PRECONDITION.name());
                        throw new TransportException("handshake with " + describe() + " refused: " + mismatch);
                    }
                    handshaken = true;
                    return;
                } catch (StatusRuntimeException e) {
                    Status.Code code = e.getStatus().getCode();
                    if (code == Status.Code.FAILED_PRECONDITION || code == Status.Code.PERMISSION_DENIED
                            || code == Status.Code.UNAUTHENTICATED || code == Status.Code.RESOURCE_EXHAUSTED) {
                        String description = String.valueOf(e.getStatus().getDescription());
                        throw new TransportException("handshake with " + describe() + " failed: " + description
                                + Handshake.ownValue(mine, description));
                    }
                    Throwable cause = e.getStatus().getCause();
                    lastError = e.getStatus().getCode() + (e.getStatus().getDescription() == null ? ""
                            : ": " + e.getStatus().getDescription())
                            + (cause == null || cause.getMessage() == null ? "" : " (" + cause.getMessage() + ")");
                }
                long now = System.nanoTime();
                if (now >= deadline) {
                    listener.failure(peer, Status.Code.DEADLINE_EXCEEDED.name());
                    throw new TransportException("timed out after " + timeout.toSeconds() + " s waiting for "
                            + describe() + " to resolve and answer (last error: " + lastError + ")");
                }
                // Report every few seconds (sooner when the whole wait is short) which rank we are waiting for.
                long reportEvery = Math.min(TimeUnit.MILLISECONDS.toNanos(REPORT_EVERY_MS), timeout.toNanos() / 3);
                if (now - lastReport >= reportEvery) {
                    lastReport = now;
                    listener.waiting(peer, address, lastError);
                    log.accept("waiting for " + describe() + " for "
                            + TimeUnit.NANOSECONDS.toSeconds(now - start) + " s: " + lastError);
                }
                sleep(Math.min(backoff, TimeUnit.NANOSECONDS.toMillis(deadline - now) + 1));
                backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
                channel.resetConnectBackoff();
            }
        }
    }

    boolean handshaken() {
        return handshaken;
    }

    /** Throws the first push failure not yet reported. */
    void throwIfFailed() {
        String f = failure.getAndSet(null);
        if (f != null) {
            throw new TransportException(f);
        }
    }

    /**
     * A push failed. If the peer could not be reached (UNAVAILABLE, DEADLINE_EXCEEDED, CANCELLED: it died, froze
     * past the deadline, or left the topology) that is the neighbour's failure, not this worker's: it is logged
     * (at most every few seconds) and the receive from that peer decides (it times out, or the topology removes
     * the peer). Any other refusal (this worker's vector was invalid, its certificate refused) is reported by the
     * next call concerning the peer.
     */
    void recordFailure(Status.Code code, String message) {
        // UNKNOWN "channel closed": the connection died under a call (a peer killed mid-push, seen through TLS).
        if (code == Status.Code.UNAVAILABLE || code == Status.Code.DEADLINE_EXCEEDED
                || code == Status.Code.CANCELLED || (code == Status.Code.UNKNOWN && message.contains("channel closed"))) {
            long now = System.nanoTime();
            if (now - lastUnreachableReport > TimeUnit.MILLISECONDS.toNanos(REPORT_EVERY_MS)) {
                lastUnreachableReport = now;
                log.accept(message + " (neighbour unreachable; its receive decides)");
            }
            return;
        }
        failure.compareAndSet(null, message);
    }

    CountDownLatch track(ClientCall<?, ?> call) {
        CountDownLatch done = new CountDownLatch(1);
        pending.put(done, call);
        return done;
    }

    /**
     * The peer left the graph or a new process took its rank: cancels the pushes still waiting for it (e.g. for a
     * dead peer's address to come back) so that they neither hold up close() nor land in the new process, then
     * forgets the failure recorded so far.
     */
    void forgetPending() {
        sendLock.lock(); // a call is never cancelled under a send in progress
        try {
            if (stream != null) {
                stream.cancel("peer " + peer + " left the topology", null); // the next vector opens a new stream
            }
            for (var e : pending.entrySet()) {
                untrack(e.getKey());
                e.getValue().cancel("peer " + peer + " left the topology", null);
            }
            failure.set(null);
        } finally {
            sendLock.unlock();
        }
    }

    /** The open push stream to this peer, opened now if there is none or the last one ended. Hold sendLock. */
    PushStream stream(io.grpc.MethodDescriptor<VectorChunk, io.dgan.transport.grpc.proto.PushAck> method) {
        if (stream == null || stream.ended()) {
            stream = PushStream.open(this, method);
        }
        return stream;
    }

    /**
     * Cancels the push stream if its oldest unacknowledged vector is older than {@code timeoutNanos}: the peer stopped
     * reading (frozen, or flow control never opens). Its vectors fail as a deadline of their own would have failed
     * them (a neighbour failure), and the next vector opens a new stream. Skipped while a send holds the lock (an
     * emulated bandwidth may pace it for a while): the timer thread that calls this must not wait, and the next
     * check comes soon.
     */
    void cancelStalled(long timeoutNanos) {
        if (!sendLock.tryLock()) {
            return;
        }
        try {
            PushStream s = stream;
            if (s == null) {
                return;
            }
            long oldest = s.oldestNanos();
            if (oldest >= 0 && System.nanoTime() - oldest > timeoutNanos) {
                s.cancel("no acknowledgement from " + describe() + " within "
                        + TimeUnit.NANOSECONDS.toMillis(timeoutNanos) + " ms", null);
            }
        } finally {
            sendLock.unlock();
        }
    }

    boolean isTracked(CountDownLatch done) {
        return pending.containsKey(done);
    }

    void untrack(CountDownLatch done) {
        done.countDown();
        pending.remove(done);
    }

    /** Waits for outstanding pushes (so that a worker's last vectors are delivered before it exits). */
    boolean drain(long timeoutMs) {
        long deadline = System.currentTimeMillis() + timeoutMs;
        for (CountDownLatch latch : pending.keySet()) {
            try {
                if (!latch.await(Math.max(0, deadline - System.currentTimeMillis()), TimeUnit.MILLISECONDS)) {
                    return false;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return true;
    }

    void shutdown() {
        sendLock.lock();
        try {
            if (stream != null && !stream.ended()) {
                stream.call.halfClose();
            }
        } catch (IllegalStateException alreadyClosed) {
            // cancelled meanwhile
        } finally {
            sendLock.unlock();
        }
        channel.shutdown();
        try {
            if (!channel.awaitTermination(2, TimeUnit.SECONDS)) {
                channel.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            channel.shutdownNow();
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(Math.max(1, ms));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TransportException("interrupted while waiting for a peer", e);
        }
    }
}
