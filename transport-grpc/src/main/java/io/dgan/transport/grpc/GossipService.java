package io.dgan.transport.grpc;

import io.dgan.transport.MessageTag;
import io.dgan.transport.grpc.proto.ChunkHeader;
import io.dgan.transport.grpc.proto.Hello;
import io.dgan.transport.grpc.proto.PushAck;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The server side of a worker: answers handshakes and assembles pushed vectors into the {@link Mailbox}. Every chunk
 * is checked (job, layout, sender, tag, offsets, length, checksum) before it is kept; a push that breaks any rule is
 * failed with a status naming the rule, its chunks are dropped, and nothing of it ever reaches a caller's buffer.
 */
final class GossipService {
    private final GrpcTransportConfig config;
    private final Mailbox mailbox;
    private final ChunkPool pool;
    private final TransportListener listener;
    private final ScheduledExecutorService timer;

    GossipService(GrpcTransportConfig config, Mailbox mailbox, ChunkPool pool, TransportListener listener,
                  ScheduledExecutorService timer) {
        this.config = config;
        this.mailbox = mailbox;
        this.pool = pool;
        this.listener = listener;
        this.timer = timer;
    }

    ServerServiceDefinition definition() {
        return ServerServiceDefinition.builder(GossipMethods.SERVICE)
                .addMethod(GossipMethods.hello(), ServerCalls.asyncUnaryCall(this::hello))
                .addMethod(GossipMethods.push(pool), ServerCalls.asyncClientStreamingCall(PushAssembly::new))
                .build();
    }

    private void hello(Hello theirs, StreamObserver<Hello> reply) {
        Hello mine = Handshake.hello(config, theirs.getSenderRank());
        String mismatch = Handshake.mismatch(mine, theirs);
        if (mismatch == null && (theirs.getSenderRank() < 0 || theirs.getSenderRank() >= config.size
                || theirs.getSenderRank() == config.rank)) {
            mismatch = "rank " + theirs.getSenderRank() + " is not a peer of rank " + config.rank + " in a job of "
                    + config.size;
        }
        if (mismatch != null) {
            listener.failure(theirs.getSenderRank(), Status.Code.FAILED_PRECONDITION.name());
            reply.onError(Status.FAILED_PRECONDITION.withDescription("handshake refused by rank " + config.rank
                    + ": " + mismatch).asRuntimeException());
            return;
        }
        reply.onNext(mine);
        reply.onCompleted();
    }

    /** One Push call: validates and keeps the chunks of one vector. Calls are serialized by gRPC; the timer is not. */
    private final class PushAssembly implements StreamObserver<VectorChunk> {
        private final StreamObserver<PushAck> reply;
        private final List<VectorChunk> chunks = new ArrayList<>();
        private ChunkHeader first;
        private Mailbox.Key key;
        private WireFormat wire;
        private long nextOffset;
        private boolean finished;
        private ScheduledFuture<?> stallTimer;

        PushAssembly(StreamObserver<PushAck> reply) {
            this.reply = reply;
        }

        @Override
        public synchronized void onNext(VectorChunk chunk) {
            if (finished) {
                chunk.release();
                return;
            }
            if (chunk.unreadable != null) {
                abort(chunk.unreadable, chunk.unreadable.getDescription());
                return;
            }
            String problem = first == null ? acceptFirst(chunk.header) : null;
            if (problem == null) {
                problem = check(chunk);
            }
            if (problem != null) {
                chunk.release();
                abort(problem.startsWith("duplicate") || problem.startsWith("late")
                        ? Status.ALREADY_EXISTS : problem.contains("waiting here") ? Status.RESOURCE_EXHAUSTED
                        : Status.INVALID_ARGUMENT, problem);
                return;
            }
            chunks.add(chunk);
            nextOffset += chunk.header.getElements();
        }

        /** Checks the first chunk's identity and registers the vector; returns a problem or null. */
        private String acceptFirst(ChunkHeader h) {
            if (h.getProtocolVersion() != GrpcTransportConfig.PROTOCOL_VERSION) {
                return "protocol version " + h.getProtocolVersion() + ", expected " + GrpcTransportConfig.PROTOCOL_VERSION;
            }
            if (!h.getJob().equals(config.job)) {
                return "chunk for job '" + h.getJob() + "' sent to a worker of job '" + config.job + "'";
            }
            int sender = h.getSenderRank();
            if (sender < 0 || sender >= config.size || sender == config.rank) {
                return "sender rank " + sender + " is not a peer of rank " + config.rank;
            }
            MessageTag tag = new MessageTag(h.getTag().getEpoch(), h.getTag().getIteration(), h.getTag().getRound(),
                    h.getTag().getChannel());
            Mailbox.Key candidate = new Mailbox.Key(sender, tag);
            String invalid = null;
            wire = WireFormat.fromProto(h.getWire());
            if (h.getLayoutHash() != config.layoutHash) {
                invalid = String.format("layout hash 0x%016x differs from this worker's 0x%016x",
                        h.getLayoutHash(), config.layoutHash);
            } else if (wire == null) {
                invalid = "unknown wire format " + h.getWireValue();
            } else if (h.getVectorLength() < 0 || h.getVectorLength() > config.maxVectorLength) {
                invalid = "vector of " + h.getVectorLength() + " elements exceeds the limit of "
                        + config.maxVectorLength;
            }
            if (invalid != null) {
                // A known peer of this job sent something unusable: its receive should fail now, not time out.
                mailbox.fail(candidate, invalid);
                return invalid;
            }
            String refused = mailbox.begin(candidate);
            if (refused != null) {
                return refused;
            }
            key = candidate;
            first = h;
            // A push that stalls (a peer that opens a stream and goes silent) must not hold memory forever.
            stallTimer = timer.schedule(this::stalled, config.callTimeout.toMillis(), TimeUnit.MILLISECONDS);
            return null;
        }

        private String check(VectorChunk chunk) {
            ChunkHeader h = chunk.header;
            if (h.getSenderRank() != first.getSenderRank() || !h.getTag().equals(first.getTag())
                    || h.getVectorLength() != first.getVectorLength() || h.getWire() != first.getWire()
                    || h.getLayoutHash() != first.getLayoutHash() || !h.getJob().equals(first.getJob())) {
                return "chunk at offset " + h.getOffset() + " changes the sender, tag, length or format mid-vector";
            }
            if (h.getOffset() != nextOffset) {
                return "chunk at offset " + h.getOffset() + ", expected " + nextOffset;
            }
            long elements = h.getElements();
            if (elements < 0 || h.getOffset() + elements > h.getVectorLength()
                    || (elements == 0 && h.getVectorLength() != 0)) {
                return "chunk of " + elements + " elements at offset " + h.getOffset() + " does not fit a vector of "
                        + h.getVectorLength();
            }
            if (chunk.dataLength != elements * wire.bytesPerElement()) {
                return "chunk declares " + elements + " elements but carries " + chunk.dataLength + " bytes";
            }
            return chunk.checksumProblem();
        }

        @Override
        public synchronized void onError(Throwable t) {
            if (!finished) {
                Status status = Status.fromThrowable(t);
                failLocally(status.getCode(), "push interrupted: " + status.getCode()
                        + (status.getDescription() == null ? "" : " " + status.getDescription()));
            }
        }

        @Override
        public synchronized void onCompleted() {
            if (finished) {
                return;
            }
            if (first == null) {
                abort(Status.INVALID_ARGUMENT, "empty push: no chunk arrived");
                return;
            }
            if (nextOffset != first.getVectorLength()) {
                abort(Status.INVALID_ARGUMENT, "incomplete vector: " + nextOffset + " of " + first.getVectorLength()
                        + " elements arrived");
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
                abort(Status.DEADLINE_EXCEEDED, "push stalled: " + nextOffset + " of " + first.getVectorLength()
                        + " elements after " + config.callTimeout.toMillis() + " ms");
            }
        }

        private void abort(Status status, String problem) {
            failLocally(status.getCode(), problem);
            try {
                reply.onError(status.withDescription("rank " + config.rank + " refused the vector: " + problem)
                        .asRuntimeException());
            } catch (IllegalStateException | StatusRuntimeException alreadyClosed) {
                // The call ended meanwhile (client cancelled): nothing to tell.
            }
        }

        private void failLocally(Status.Code code, String problem) {
            finished = true;
            cancelTimer();
            chunks.forEach(VectorChunk::release);
            chunks.clear();
            if (key != null) {
                mailbox.fail(key, problem);
            }
            listener.failure(first == null ? -1 : first.getSenderRank(), code.name());
        }

        private void cancelTimer() {
            if (stallTimer != null) {
                stallTimer.cancel(false);
            }
        }
    }
}
