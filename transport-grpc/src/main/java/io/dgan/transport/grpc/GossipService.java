package io.dgan.transport.grpc;

import com.google.protobuf.InvalidProtocolBufferException;
import io.dgan.transport.MessageTag;
import io.dgan.transport.grpc.proto.ChunkHeader;
import io.dgan.transport.grpc.proto.Hello;
import io.dgan.transport.grpc.proto.PushAck;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The server side of a worker: answers handshakes and assembles pushed vectors into the {@link Mailbox}.
 *
 * <p>Who may push: a connection that shook hands ({@code Hello}, or the hello a push carries in a header), bound
 * to that rank for its life, and under TLS the rank of its certificate ({@link ConnectionGuard}). Every chunk is
 * checked (sender = the connection's rank, job, layout, tag, offsets, length, a CRC-32C that must be present and
 * right, every element finite) before it is kept. A push that breaks any rule is refused with a status naming the
 * rule but no value of this worker's, counted ({@link TransportListener#refused}), and dropped: nothing of it reaches
 * a caller's buffer, and it does not fail the matching receive either (a forged or broken push cannot take a round
 * from the real sender; if the real one never comes, the receive times out naming the last refusal).
 */
final class GossipService {
    /** Refusal details go to the log at most this often per reason (an attacker must not flood the log). */
    private static final long LOG_EVERY_NANOS = TimeUnit.SECONDS.toNanos(10);

    private final GrpcTransportConfig config;
    private final Mailbox mailbox;
    private final ChunkPool pool;
    private final TransportListener listener;
    private final ScheduledExecutorService timer;
    private final ConnectionGuard guard;
    private final Consumer<String> log;
    private final ConcurrentHashMap<Refusal, Long> lastLogged = new ConcurrentHashMap<>();

    GossipService(GrpcTransportConfig config, Mailbox mailbox, ChunkPool pool, TransportListener listener,
                  ScheduledExecutorService timer, ConnectionGuard guard, Consumer<String> log) {
        this.config = config;
        this.mailbox = mailbox;
        this.pool = pool;
        this.listener = listener;
        this.timer = timer;
        this.guard = guard;
        this.log = log;
    }

    ServerServiceDefinition definition() {
        ServerServiceDefinition plain = ServerServiceDefinition.builder(GossipMethods.SERVICE)
                .addMethod(GossipMethods.hello(), ServerCalls.asyncUnaryCall(this::hello))
                .addMethod(GossipMethods.push(pool), ServerCalls.asyncClientStreamingCall(PushAssembly::new))
                .addMethod(GossipMethods.pushStream(pool), ServerCalls.asyncBidiStreamingCall(StreamAssembly::new))
                .build();
        // Applied last to first: the guard (identity, limits) runs before the push handshake check.
        return ServerInterceptors.intercept(plain, new PushHandshake(), guard);
    }

    /**
     * Checks a peer's hello on connection {@code c} and binds the connection to its rank. Returns null, or the
     * refusal with the field that differs (no values) for the peer in {@code detail[0]}.
     */
    private Refusal handshake(ConnectionGuard.Connection c, Hello theirs, String[] detail) {
        if (!c.countHello()) {
            return Refusal.ABUSE;
        }
        int sender = theirs.getSenderRank();
        Hello mine = Handshake.hello(config, sender);
        String field = Handshake.differingField(mine, theirs);
        if (field == null && (sender < 0 || sender >= config.size || sender == config.rank)) {
            field = "sender rank";
        }
        if (field != null) {
            detail[0] = field + (field.endsWith("s") ? " differ" : " differs");
            String full = Handshake.mismatch(mine, theirs);
            note(Refusal.HANDSHAKE, "refused a handshake: " + (full != null ? full
                    : "rank " + sender + " is not a peer of rank " + config.rank + " in a job of " + config.size));
            return Refusal.HANDSHAKE;
        }
        Refusal bound = c.bind(sender);
        if (bound != null) {
            detail[0] = bound.text;
            note(bound, "refused a handshake claiming rank " + sender + ": " + bound.text
                    + (c.certifiedRank >= 0 ? " (certificate of rank " + c.certifiedRank + ")" : ""));
        }
        return bound;
    }

    private void hello(Hello theirs, StreamObserver<Hello> reply) {
        ConnectionGuard.Connection c = ConnectionGuard.CURRENT.get();
        String[] detail = {null};
        Refusal refusal = handshake(c, theirs, detail);
        if (refusal != null) {
            guard.refused(c, refusal);
            Status status = refusal == Refusal.HANDSHAKE ? Status.FAILED_PRECONDITION
                    : refusal == Refusal.RANK_MISMATCH ? Status.PERMISSION_DENIED : Status.RESOURCE_EXHAUSTED;
            reply.onError(status.withDescription("handshake refused by rank " + config.rank + ": "
                    + (detail[0] == null ? refusal.text : detail[0])).asRuntimeException());
            return;
        }
        reply.onNext(Handshake.hello(config, theirs.getSenderRank()));
        reply.onCompleted();
    }

    /** Logs a refusal's details locally, at most once per {@link #LOG_EVERY_NANOS} per reason. */
    private void note(Refusal refusal, String message) {
        long now = System.nanoTime();
        Long last = lastLogged.get(refusal);
        if (last == null || now - last >= LOG_EVERY_NANOS) {
            lastLogged.put(refusal, now);
            log.accept(message + " (further '" + refusal.label + "' refusals within 10 s are only counted)");
        }
    }

    /** A push on a connection that has not shaken hands must carry a hello (checked and bound here) or is refused. */
    private final class PushHandshake implements ServerInterceptor {
        @Override
        public <Q, A> ServerCall.Listener<Q> interceptCall(ServerCall<Q, A> call, Metadata headers,
                                                          ServerCallHandler<Q, A> next) {
            ConnectionGuard.Connection c = ConnectionGuard.CURRENT.get();
            if (c != null && c.rank() < 0 && call.getMethodDescriptor().getBareMethodName().startsWith("Push")) {
                byte[] hello = headers.get(ConnectionGuard.HELLO);
                if (hello == null) {
                    note(Refusal.NO_HANDSHAKE, "refused a push on a connection that never shook hands");
                    return guard.refuse(call, c, Refusal.NO_HANDSHAKE);
                }
                Refusal refusal;
                try {
                    refusal = handshake(c, Hello.parseFrom(hello), new String[1]);
                } catch (InvalidProtocolBufferException e) {
                    refusal = Refusal.HANDSHAKE;
                }
                if (refusal != null) {
                    return guard.refuse(call, c, refusal);
                }
            }
            return next.startCall(call, headers);
        }
    }

    /**
     * One PushStream call: a peer's vectors one after another, each assembled and checked exactly as a Push call's
     * ({@link PushAssembly}) and acknowledged on the call's response stream once complete. A vector refused for
     * any reason ends the whole call with the refusal's status, as it would end a Push call: the peer's later
     * vectors then come on a new call.
     */
    private final class StreamAssembly implements StreamObserver<VectorChunk> {
        private final StreamObserver<PushAck> reply;
        private final StreamObserver<PushAck> perVector;
        private PushAssembly current;
        /** Volatile: a stalled vector's timer ends the call from the timer thread. */
        private volatile boolean ended;

        StreamAssembly(StreamObserver<PushAck> reply) {
            this.reply = reply;
            this.perVector = new StreamObserver<>() {
                @Override
                public void onNext(PushAck ack) {
                    reply.onNext(ack);
                }

                @Override
                public void onError(Throwable t) {
                    ended = true;
                    reply.onError(t);
                }

                @Override
                public void onCompleted() {
                    // one vector is done, not the call
                }
            };
        }

        @Override
        public synchronized void onNext(VectorChunk chunk) {
            if (ended) {
                chunk.release();
                return;
            }
            if (current == null) {
                current = new PushAssembly(perVector);
            }
            PushAssembly vector = current;
            vector.onNext(chunk);
            if (vector.complete()) {
                current = null;
                vector.onCompleted();
            }
        }

        @Override
        public synchronized void onError(Throwable t) {
            ended = true;
            if (current != null) {
                current.onError(t);
            }
        }

        @Override
        public synchronized void onCompleted() {
            if (ended) {
                return;
            }
            if (current != null) {
                current.onCompleted(); // a vector cut short: refused as incomplete, which ends the call
            }
            if (!ended) {
                ended = true;
                reply.onCompleted();
            }
        }
    }

    /** One Push call: validates and keeps the chunks of one vector. Calls are serialized by gRPC; the timer is not. */
    private final class PushAssembly implements StreamObserver<VectorChunk> {
        private final StreamObserver<PushAck> reply;
        private final ConnectionGuard.Connection connection;
        private final List<VectorChunk> chunks = new ArrayList<>();
        private ChunkHeader first;
        private Mailbox.Key key;
        private WireFormat wire;
        private long nextOffset;
        private boolean finished;
        private ScheduledFuture<?> stallTimer;

        PushAssembly(StreamObserver<PushAck> reply) {
            this.reply = reply;
            this.connection = ConnectionGuard.CURRENT.get();
        }

        /** A refusal with the problem in detail (kept locally) and the status the peer gets. */
        private record Problem(Refusal refusal, Status status, String detail) {
        }

        @Override
        public synchronized void onNext(VectorChunk chunk) {
            if (finished) {
                chunk.release();
                return;
            }
            if (chunk.unreadable != null) {
                chunk.release();
                abort(new Problem(Refusal.MALFORMED, chunk.unreadable, chunk.unreadable.getDescription()));
                return;
            }
            Problem problem = first == null ? acceptFirst(chunk.header) : null;
            if (problem == null) {
                problem = check(chunk);
            }
            if (problem != null) {
                chunk.release();
                abort(problem);
                return;
            }
            chunks.add(chunk);
            nextOffset += chunk.header.getElements();
        }

        /** All chunks of the vector arrived and passed their checks (a PushStream then completes it). */
        synchronized boolean complete() {
            return !finished && first != null && nextOffset == first.getVectorLength();
        }

        private Problem malformed(String detail) {
            return new Problem(Refusal.MALFORMED, Status.INVALID_ARGUMENT, detail);
        }

        /** Checks the first chunk's identity and registers the vector; returns a problem or null. */
        private Problem acceptFirst(ChunkHeader h) {
            int sender = h.getSenderRank();
            if (connection == null || sender != connection.rank()) {
                return new Problem(Refusal.RANK_MISMATCH, Status.PERMISSION_DENIED, "a connection of rank "
                        + (connection == null ? -1 : connection.rank()) + " pushed a vector claiming rank " + sender);
            }
            if (h.getProtocolVersion() != GrpcTransportConfig.PROTOCOL_VERSION) {
                return malformed("protocol version " + h.getProtocolVersion() + ", expected "
                        + GrpcTransportConfig.PROTOCOL_VERSION);
            }
            if (!h.getJob().equals(config.job)) {
                return malformed("chunk for another job");
            }
            wire = WireFormat.fromProto(h.getWire());
            if (h.getLayoutHash() != config.layoutHash) {
                return malformed(String.format("layout hash 0x%016x differs from this worker's 0x%016x",
                        h.getLayoutHash(), config.layoutHash));
            }
            if (wire == null) {
                return malformed("unknown wire format " + h.getWireValue());
            }
            if (h.getVectorLength() < 0 || h.getVectorLength() > config.maxVectorLength) {
                return malformed("vector of " + h.getVectorLength() + " elements exceeds the limit of "
                        + config.maxVectorLength);
            }
            MessageTag tag = new MessageTag(h.getTag().getEpoch(), h.getTag().getIteration(), h.getTag().getRound(),
                    h.getTag().getChannel());
            Mailbox.Key candidate = new Mailbox.Key(sender, tag);
            String refused = mailbox.begin(candidate);
            if (refused != null) {
                return refused.startsWith("duplicate") || refused.startsWith("late")
                        ? new Problem(Refusal.DUPLICATE, Status.ALREADY_EXISTS, refused)
                        : refused.startsWith("transport")
                        ? new Problem(Refusal.CLOSING, Status.UNAVAILABLE, refused)
                        : new Problem(Refusal.LIMIT, Status.RESOURCE_EXHAUSTED, refused);
            }
            key = candidate;
            first = h;
            // A push that stalls (a peer that opens a stream and goes silent) must not hold memory forever.
            stallTimer = timer.schedule(this::stalled, config.callTimeout.toMillis(), TimeUnit.MILLISECONDS);
            return null;
        }

        private Problem check(VectorChunk chunk) {
            ChunkHeader h = chunk.header;
            if (h.getSenderRank() != first.getSenderRank() || !h.getTag().equals(first.getTag())
                    || h.getVectorLength() != first.getVectorLength() || h.getWire() != first.getWire()
                    || h.getLayoutHash() != first.getLayoutHash() || !h.getJob().equals(first.getJob())) {
                return malformed("chunk at offset " + h.getOffset()
                        + " changes the sender, tag, length or format mid-vector");
            }
            if (h.getOffset() != nextOffset) {
                return malformed("chunk at offset " + h.getOffset() + ", expected " + nextOffset);
            }
            long elements = h.getElements();
            if (elements < 0 || h.getOffset() + elements > h.getVectorLength()
                    || (elements == 0 && h.getVectorLength() != 0)) {
                return malformed("chunk of " + elements + " elements at offset " + h.getOffset()
                        + " does not fit a vector of " + h.getVectorLength());
            }
            if (chunk.dataLength != elements * wire.bytesPerElement()) {
                return malformed("chunk declares " + elements + " elements but carries " + chunk.dataLength
                        + " bytes");
            }
            String checksum = chunk.checksumProblem(config.checksums);
            if (checksum != null) {
                return new Problem(Refusal.CHECKSUM, Status.INVALID_ARGUMENT, checksum);
            }
            if (!chunk.finite) {
                return new Problem(Refusal.NON_FINITE, Status.INVALID_ARGUMENT, "chunk at offset " + h.getOffset()
                        + " holds a NaN or infinity");
            }
            return null;
        }

        @Override
        public synchronized void onError(Throwable t) {
            if (!finished) {
                // The sender cancelled or vanished mid-push (e.g. it died): drop the partial vector, quietly. The
                // matching receive goes on waiting (a removed peer is abandoned by the topology, not by this).
                Status status = Status.fromThrowable(t);
                drop("push interrupted: " + status.getCode());
            }
        }

        @Override
        public synchronized void onCompleted() {
            if (finished) {
                return;
            }
            if (first == null) {
                abort(malformed("empty push: no chunk arrived"));
                return;
            }
            if (nextOffset != first.getVectorLength()) {
                abort(malformed("incomplete vector: " + nextOffset + " of " + first.getVectorLength()
                        + " elements arrived"));
                return;
            }
            finished = true;
            cancelTimer();
            long bytes = nextOffset * wire.bytesPerElement();
            Mailbox.Arrived arrived = new Mailbox.Arrived(first.getVectorLength(), wire, List.copyOf(chunks));
            Mailbox.Key arrivedKey = key;
            long latencyNanos = config.emulation.latency().toNanos();
            if (latencyNanos > 0) {
                // Emulated latency: the vector becomes visible α after it arrived.
                timer.schedule(() -> mailbox.complete(arrivedKey, arrived), latencyNanos, TimeUnit.NANOSECONDS);
            } else {
                mailbox.complete(key, arrived);
            }
            chunks.clear();
            listener.bytesReceived(key.sender(), bytes);
            reply.onNext(PushAck.newBuilder().setElements(nextOffset).build());
            reply.onCompleted();
        }

        private synchronized void stalled() {
            if (!finished) {
                abort(new Problem(Refusal.STALLED, Status.DEADLINE_EXCEEDED, "push stalled: " + nextOffset + " of "
                        + first.getVectorLength() + " elements after " + config.callTimeout.toMillis() + " ms"));
            }
        }

        private void abort(Problem problem) {
            drop(problem.detail());
            guard.refused(connection, problem.refusal());
            note(problem.refusal(), "refused a vector" + (key == null ? "" : " from rank " + key.sender() + " "
                    + key.tag()) + ": " + problem.detail());
            try {
                reply.onError(problem.status().withDescription("rank " + config.rank + " refused the vector: "
                        + problem.refusal().text).asRuntimeException());
            } catch (IllegalStateException | StatusRuntimeException alreadyClosed) {
                // The call ended meanwhile (client cancelled): nothing to tell.
            }
        }

        private void drop(String why) {
            finished = true;
            cancelTimer();
            chunks.forEach(VectorChunk::release);
            chunks.clear();
            if (key != null) {
                mailbox.refused(key, why);
            }
        }

        private void cancelTimer() {
            if (stallTimer != null) {
                stallTimer.cancel(false);
            }
        }
    }
}
