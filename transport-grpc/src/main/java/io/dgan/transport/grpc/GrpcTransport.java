package io.dgan.transport.grpc;

import io.dgan.transport.MessageTag;
import io.dgan.transport.RingAllReduce;
import io.dgan.transport.Transport;
import io.dgan.transport.TransportException;
import io.dgan.transport.WaitHook;
import io.dgan.transport.grpc.proto.ChunkHeader;
import io.dgan.transport.grpc.proto.PushAck;
import io.dgan.transport.grpc.proto.Tag;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.zip.CRC32C;

/**
 * {@link Transport} between worker processes over gRPC (HTTP/2, Netty). Each worker serves
 * {@code dgan.transport.v1.Gossip} and holds one channel per peer it talks to.
 *
 * <p>{@link #send} streams the vector as chunks of little-endian float32 (or bfloat16) in {@code bytes}; a float32
 * chunk is copied once, from the caller's buffer straight into gRPC's buffer, with its CRC-32C computed on the way
 * (bf16: encoded into a pooled array, written from there; see {@link ChunkMarshaller}), so {@code send} returns as
 * soon as the data is in flight and the caller's buffer is free. The push is acknowledged asynchronously; a failed push is reported by the next call concerning that peer.
 *
 * <p>{@link #receive} waits for the complete, validated vector with that peer and tag, then bulk-copies it into the
 * caller's buffer. The caller's buffer is untouched unless a complete vector of the right length arrived.
 */
public final class GrpcTransport implements Transport {
    static {
        // Before any Netty class: thread caches for the 1-2 MiB buffers of bulk vectors (see NettyAllocation).
        NettyAllocation.ensureApplied();
    }

    private final GrpcTransportConfig config;
    private final PeerDirectory peers;
    private final TransportListener listener;
    private final Consumer<String> log;
    private final ChunkPool pool;
    private final Mailbox mailbox;
    private final MethodDescriptor<VectorChunk, PushAck> push;
    private final MethodDescriptor<VectorChunk, PushAck> pushStream;
    private final ScheduledExecutorService timer;
    private final Server server;
    private final PeerLink[] links;
    /** Emulated egress bandwidth of this node (its NIC): one token bucket shared by all its links. */
    private final LinkEmulation.Pacer egress;
    private volatile boolean closed;
    private volatile boolean departed;
    /** The goodbye of each peer already logged (a waiting receive says so once). */
    private final MessageTag[] departureReported;

    /** Starts serving at once (so that peers can handshake with this worker while it waits for them). */
    public GrpcTransport(GrpcTransportConfig config, PeerDirectory peers, TransportListener listener,
                         Consumer<String> log) {
        this.config = config;
        this.peers = peers;
        this.listener = listener == null ? TransportListener.NONE : listener;
        this.log = log == null ? msg -> System.err.println("[rank " + config.rank + "] " + msg) : log;
        if (!NettyAllocation.ensureApplied()) {
            this.log.accept("note: Netty's allocator was initialized before the transport; bulk buffers are not"
                    + " cached per thread (slower; see NettyAllocation)");
        }
        this.pool = new ChunkPool(config.chunkBytes, 256);
        this.mailbox = new Mailbox(config.maxPendingPerPeer);
        this.push = GossipMethods.push(pool);
        this.pushStream = GossipMethods.pushStream(pool);
        ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "dgan-transport-timer-" + config.rank);
            t.setDaemon(true);
            return t;
        });
        // Every received vector schedules a stall timer and cancels it when complete: cancelled timers leave the
        // queue at once instead of staying there for the call timeout (thousands of entries at high vector rates).
        executor.setRemoveOnCancelPolicy(true);
        this.timer = executor;
        this.links = new PeerLink[config.size];
        this.departureReported = new MessageTag[config.size];
        this.egress = new LinkEmulation.Pacer(config.emulation.bytesPerSecond());
        ConnectionGuard guard = new ConnectionGuard(config, this.listener);
        GossipService service = new GossipService(config, mailbox, pool, this.listener, timer, guard, this.log);
        try {
            NettyServerBuilder builder = NettyServerBuilder.forAddress(
                    new InetSocketAddress(config.bindHost, config.port));
            NettyTuning.apply(config, builder::withChildOption);
            if (config.tls != null) {
                TransportListener counted = this.listener;
                var tls = config.tls.serverContext(config.size,
                        reason -> counted.refused(-1, Refusal.CERTIFICATE.label));
                this.log.accept("gossip: mutual TLS as " + config.tls.identity() + " ("
                        + (tls.getClass().getSimpleName().contains("OpenSsl") ? "OpenSSL" : "JDK") + " TLS)");
                if (config.maxFrameBytes > 16384) {
                    builder.protocolNegotiator(new LargeFrameNegotiator(config.maxFrameBytes,
                            io.grpc.netty.shaded.io.grpc.netty.InternalProtocolNegotiators.serverTls(tls)));
                } else {
                    builder.sslContext(tls);
                }
            } else if (config.maxFrameBytes > 16384) {
                builder.protocolNegotiator(new LargeFrameNegotiator(config.maxFrameBytes));
            }
            this.server = builder
                    .directExecutor()
                    .addService(service.definition())
                    .addTransportFilter(guard)
                    .maxConcurrentCallsPerConnection(config.maxCallsPerConnection)
                    .flowControlWindow(config.flowControlWindow)
                    .maxInboundMessageSize(config.chunkBytes + ChunkMarshaller.MAX_HEADER_BYTES + 64)
                    .maxInboundMetadataSize(16 << 10)
                    .handshakeTimeout(10, TimeUnit.SECONDS)
                    .maxConnectionIdle(10, TimeUnit.MINUTES)
                    .permitKeepAliveTime(10, TimeUnit.SECONDS)
                    .permitKeepAliveWithoutCalls(true)
                    .build()
                    .start();
        } catch (IOException e) {
            timer.shutdownNow();
            throw new TransportException("rank " + config.rank + " cannot serve gossip on " + config.bindHost + ":"
                    + config.port + ": " + e.getMessage(), e);
        }
        // The push streams have no deadline: a stream whose oldest vector waits longer than the call timeout for its
        // acknowledgement is cancelled, as that vector's own deadline would have cancelled it.
        long watchMs = Math.max(10, Math.min(1_000, config.callTimeout.toMillis() / 4));
        timer.scheduleWithFixedDelay(this::cancelStalledPushes, watchMs, watchMs, TimeUnit.MILLISECONDS);
        if (config.tls != null) {
            this.listener.certificate(config.tls.certificate().getNotAfter().toInstant());
            if (config.tls.reloadable()) {
                long every = config.tlsReloadInterval.toMillis();
                timer.scheduleWithFixedDelay(this::reloadCredentials, every, every, TimeUnit.MILLISECONDS);
            }
        }
    }

    private void cancelStalledPushes() {
        PeerLink[] snapshot;
        synchronized (links) {
            snapshot = links.clone();
        }
        long timeout = config.callTimeout.toNanos();
        for (PeerLink link : snapshot) {
            if (link != null) {
                link.cancelStalled(timeout);
            }
        }
    }

    /** The last reason renewed credential files were refused (each reason is logged and counted once, not at
     * every check). */
    private String refusedCredentials;

    /** Picks up renewed certificate files: later handshakes use them, open connections keep theirs. */
    private void reloadCredentials() {
        try {
            String renewed = config.tls.reload();
            if (renewed != null) {
                refusedCredentials = null;
                log.accept("gossip: " + renewed);
                listener.certificate(config.tls.certificate().getNotAfter().toInstant());
                listener.certificateReload(true);
            }
        } catch (IllegalArgumentException e) {
            if (!e.getMessage().equals(refusedCredentials)) {
                refusedCredentials = e.getMessage();
                listener.certificateReload(false);
                log.accept("gossip: renewed credentials not used, the current ones stay: " + e.getMessage());
            }
        } catch (RuntimeException e) {
            log.accept("gossip: checking the credential files failed: " + e);
        }
    }

    public GrpcTransport(GrpcTransportConfig config, PeerDirectory peers) {
        this(config, peers, TransportListener.NONE, null);
    }

    /** The port actually bound (useful with port 0). */
    public int port() {
        return server.getPort();
    }

    public GrpcTransportConfig config() {
        return config;
    }

    @Override
    public int rank() {
        return config.rank;
    }

    @Override
    public int size() {
        return config.size;
    }

    /**
     * Waits until every rank in {@code ranks} resolves and accepts the handshake, within the connect timeout, while
     * this worker keeps serving its own peers. Fails at once on a refused handshake (another job, another layout).
     */
    public void awaitPeers(Collection<Integer> ranks) {
        long deadline = System.nanoTime() + config.connectTimeout.toNanos();
        for (int peer : ranks) {
            checkPeer(peer);
            long left = Math.max(0, deadline - System.nanoTime());
            link(peer).ensureHandshake(Duration.ofNanos(left));
        }
    }

    @Override
    public void send(int peer, MessageTag tag, FloatBuffer src) {
        checkOpen();
        checkPeer(peer);
        PeerLink link = link(peer);
        link.throwIfFailed();
        link.ensureHandshake(config.connectTimeout);

        WireFormat wire = wireFor(tag);
        int length = src.remaining();
        int chunkElements = config.chunkElements(wire, length);
        long wireBytes = (long) length * wire.bytesPerElement();
        ChunkHeader.Builder header = ChunkHeader.newBuilder()
                .setProtocolVersion(GrpcTransportConfig.PROTOCOL_VERSION)
                .setJob(config.job)
                .setLayoutHash(config.layoutHash)
                .setSenderRank(config.rank)
                .setTag(Tag.newBuilder().setEpoch(tag.epoch()).setIteration(tag.iteration()).setRound(tag.round())
                        .setChannel(tag.channel()))
                .setVectorLength(length)
                .setWire(wire.toProto());

        PushStream.Finish finish = (v, status) -> {
            if (status.isOk()) {
                listener.bytesSent(peer, v.wireBytes(), (System.nanoTime() - v.startedNanos()) / 1e9);
            } else if (link.isTracked(v.done())) { // a push forgotten with its peer (forgetPeer) is no failure
                listener.failure(peer, status.getCode().name());
                link.recordFailure(status.getCode(), "push of " + tag + " to " + link.describe() + " failed: "
                        + status.getCode() + (status.getDescription() == null ? "" : " " + status.getDescription()));
            }
            link.untrack(v.done());
        };
        long started = System.nanoTime();
        link.sendLock.lock();
        try {
            // A stream that ended just now takes no vector: it goes on a new one. If that one ends as it opens too
            // (the channel is shutting down), the vector fails as its stream would have failed it.
            for (int attempt = 0; ; attempt++) {
                PushStream stream = link.stream(pushStream);
                PushStream.Outstanding vector = new PushStream.Outstanding(link.track(stream.call), started,
                        wireBytes, finish);
                if (stream.expect(vector)) {
                    sendChunks(stream, link, tag, src, header, wire, chunkElements);
                    return;
                }
                if (attempt > 0) {
                    finish.finished(vector, Status.UNAVAILABLE.withDescription("the push stream ended as it opened"));
                    return;
                }
                link.untrack(vector.done());
            }
        } finally {
            link.sendLock.unlock();
        }
    }

    /** Sends one vector's chunks on {@code stream} (the caller holds the link's send lock). */
    private void sendChunks(PushStream stream, PeerLink link, MessageTag tag, FloatBuffer src,
                            ChunkHeader.Builder header, WireFormat wire, int chunkElements) {
        ClientCall<VectorChunk, PushAck> call = stream.call;
        int base = src.position();
        int length = src.remaining();
        try {
            CRC32C crc = new CRC32C();
            int offset = 0;
            do {
                int count = Math.min(chunkElements, length - offset);
                int bytes = count * wire.bytesPerElement();
                header.setOffset(offset).setElements(count);
                VectorChunk chunk;
                if (wire == WireFormat.FLOAT32 && DIRECT_SEND) {
                    // One pass over src: gRPC's framer drains the chunk from src (through a small staging array)
                    // during sendMessage, and the checksum is computed on each staging block on the way and sent
                    // as a trailer after the data.
                    chunk = VectorChunk.fromSource(header.build(), src, base + offset, count, pool,
                            config.checksums);
                } else {
                    byte[] data = pool.acquire();
                    wire.encode(src, base + offset, count, data);
                    if (config.checksums) {
                        crc.reset();
                        crc.update(data, 0, bytes);
                        header.setCrc32C((int) crc.getValue());
                    }
                    chunk = new VectorChunk(header.build(), data, bytes, pool);
                }
                egress.pace(bytes); // emulated bandwidth of this node's egress, if any
                try {
                    call.sendMessage(chunk);
                } finally {
                    // src belongs to the caller again when send returns: copy what gRPC has not drained yet.
                    chunk.detachFromSource();
                }
                offset += count;
            } while (offset < length);
        } catch (RuntimeException e) {
            // The stream's other vectors fail with it (CANCELLED: quiet); the next send opens a new stream.
            stream.cancel("send failed", e);
            throw new TransportException("send of " + tag + " to " + link.describe() + " failed: " + e, e);
        }
    }

    /**
     * Waits for the vector; if the peer says goodbye meanwhile (it stopped and sends nothing more) and nothing of
     * this tag is on its way, fails at once naming the peer and why it left, instead of waiting out the receive
     * timeout (unless {@link GrpcTransportConfig.Builder#awaitReplacements}).
     */
    @Override
    public void receive(int peer, MessageTag tag, FloatBuffer dst) {
        receive(peer, tag, dst, WaitHook.NEVER);
    }

    /**
     * Waits in slices of {@link WaitHook#POLL}, asking the hook between slices; the receive timeout still applies
     * to the whole wait (reported as by the plain receive). A goodbye of the peer ends the wait as described at
     * {@link #receive(int, MessageTag, FloatBuffer)}.
     */
    @Override
    public boolean receive(int peer, MessageTag tag, FloatBuffer dst, WaitHook hook) {
        checkOpen();
        checkPeer(peer);
        PeerLink link = link(peer);
        link.throwIfFailed();
        Mailbox.Key key = new Mailbox.Key(peer, tag);
        long deadline = System.nanoTime() + config.receiveTimeout.toNanos();
        while (true) {
            long left = deadline - System.nanoTime();
            long slice = Math.min(WaitHook.POLL.toNanos(), Math.max(0, left));
            Mailbox.Arrived arrived = left <= slice
                    ? mailbox.take(key, Duration.ofNanos(slice), link.describe() + " (waited "
                    + config.receiveTimeout.toMillis() + " ms in all)", true)
                    : mailbox.take(key, Duration.ofNanos(slice), link.describe(), false);
            if (arrived != null) {
                deliver(peer, tag, dst, arrived);
                return true;
            }
            if (hook.abandon(peer)) {
                return false;
            }
            MessageTag goodbye = mailbox.departure(peer);
            if (goodbye != null && !mailbox.arriving(key)) { // a vector still arriving is waited for
                String why = "rank " + peer + " " + Departure.of(goodbye).describe() + " and will send nothing more";
                if (!config.awaitReplacements) {
                    String message = why + ": " + tag + " from " + link.describe() + " will not come";
                    throw Departure.of(goodbye) == Departure.DIVERGED
                            ? new io.dgan.transport.PeerDivergedException(peer, message)
                            : new TransportException(message);
                }
                if (departureReported[peer] != goodbye) {
                    departureReported[peer] = goodbye;
                    log.accept(why + "; waiting for the topology to cut it out or replace it");
                }
            }
        }
    }

    @Override
    public boolean tryReceive(int peer, MessageTag tag, FloatBuffer dst) {
        checkOpen();
        checkPeer(peer);
        // no link(peer): checking for a message must not open a channel to a rank this one never talks to
        Mailbox.Arrived arrived = mailbox.take(new Mailbox.Key(peer, tag), Duration.ZERO, "rank " + peer, false);
        if (arrived == null) {
            return false;
        }
        deliver(peer, tag, dst, arrived);
        return true;
    }

    /** Forgets the link's recorded failure and its unacknowledged pushes (see {@link Transport#forgetPeer}). */
    @Override
    public void forgetPeer(int peer) {
        checkPeer(peer);
        PeerLink link;
        synchronized (links) {
            link = links[peer];
        }
        if (link != null) {
            link.forgetPending();
        }
        mailbox.forgetDeparture(peer);
        departureReported[peer] = null;
    }

    private void deliver(int peer, MessageTag tag, FloatBuffer dst, Mailbox.Arrived arrived) {
        try {
            if (arrived.length() != dst.remaining()) {
                throw new TransportException("rank " + peer + " sent " + arrived.length() + " floats for " + tag
                        + " but " + dst.remaining() + " were expected");
            }
            int base = dst.position();
            int offset = 0;
            for (VectorChunk chunk : arrived.chunks()) {
                chunk.decodeInto(arrived.wire(), dst, base + offset);
                offset += chunk.header.getElements();
            }
        } finally {
            arrived.release();
        }
    }

    /**
     * The wire format of a message: {@code config.wire} (e.g. bf16) for gossip, always float32 for collectives
     * (channels from {@link RingAllReduce#CHANNEL_BASE}: CP-OAdam's gradient average, the consensus, loss and
     * evaluation averages). Rounding those would make CP's workers differ (the owner of a block keeps its float32
     * value, the others would get it rounded) and would round the metrics and the evaluated network average, so
     * they would measure the wire format instead of the training. The receiver decodes whatever format a chunk
     * declares.
     */
    WireFormat wireFor(MessageTag tag) {
        return tag.channel() >= RingAllReduce.CHANNEL_BASE ? WireFormat.FLOAT32 : config.wire;
    }

    /** Off switch for the one-copy send path (A/B measurements): {@code -Ddgan.transport.directSend=false}. */
    static final boolean DIRECT_SEND = !"false".equals(System.getProperty("dgan.transport.directSend"));

    private PeerLink link(int peer) {
        synchronized (links) {
            if (links[peer] == null) {
                links[peer] = new PeerLink(peer, peers.address(peer), config, listener, log);
                listener.linked(peer);
            }
            return links[peer];
        }
    }

    private void checkPeer(int peer) {
        if (peer < 0 || peer >= config.size || peer == config.rank) {
            throw new IllegalArgumentException("peer rank " + peer + " is not another rank of 0.." + (config.size - 1)
                    + " (this is rank " + config.rank + ")");
        }
    }

    private void checkOpen() {
        if (closed) {
            throw new TransportException("transport of rank " + config.rank + " is closed");
        }
    }

    /** Why a worker leaves, as its goodbye tells its peers (the round of the goodbye's tag). */
    public enum Departure {
        /** Its transport closed: it finished, or exits after a failure of its own. */
        CLOSED("stopped"),
        /** It was asked to stop (SIGTERM) and could not reach its next sync point. */
        STOPPED("was asked to stop"),
        /**
         * Its training diverged (its losses or gradients were no longer finite), or it stopped because a peer's
         * did: a receive from it fails with {@link io.dgan.transport.PeerDivergedException}. Peers of an older
         * protocol read it as {@link #CLOSED}.
         */
        DIVERGED("diverged");

        private final String text;

        Departure(String text) {
            this.text = text;
        }

        String describe() {
            return text;
        }

        static Departure of(MessageTag goodbye) {
            Departure[] all = values();
            return goodbye.round() >= 0 && goodbye.round() < all.length ? all[goodbye.round()] : CLOSED;
        }
    }

    /**
     * Tells every peer this worker has talked to that it stops and will send nothing more, so that a peer waiting
     * for one of its vectors stops waiting at once (see {@link #receive(int, MessageTag, FloatBuffer)}) instead of
     * after its receive timeout. Waits (bounded) for the pushes already made, so that the goodbye comes after
     * them. Once per worker; {@link #close()} says goodbye too if this was not called.
     */
    public void leave(Departure why) {
        if (closed) {
            return;
        }
        PeerLink[] snapshot;
        synchronized (links) {
            snapshot = links.clone();
        }
        // Bounded: a stopping worker has seconds (SIGTERM, then SIGKILL), and a push to a dead peer never ends.
        long drainMs = Math.min(config.callTimeout.toMillis(), 2_000);
        for (PeerLink link : snapshot) {
            if (link != null) {
                link.drain(drainMs);
            }
        }
        sayGoodbye(snapshot, why);
    }

    /** A one-float push on {@link Mailbox#GOODBYE_CHANNEL} to each linked peer; failures are expected and quiet. */
    private void sayGoodbye(PeerLink[] snapshot, Departure why) {
        if (departed) {
            return;
        }
        departed = true;
        MessageTag tag = new MessageTag(0, 0, why.ordinal(), Mailbox.GOODBYE_CHANNEL);
        List<CountDownLatch> sent = new java.util.ArrayList<>();
        for (PeerLink link : snapshot) {
            if (link == null) {
                continue;
            }
            CountDownLatch done = new CountDownLatch(1);
            try {
                ClientCall<VectorChunk, PushAck> call = link.channel.newCall(push,
                        CallOptions.DEFAULT.withDeadlineAfter(GOODBYE_MS, TimeUnit.MILLISECONDS));
                call.start(new ClientCall.Listener<>() {
                    @Override
                    public void onClose(Status status, Metadata trailers) {
                        done.countDown();
                    }
                }, link.pushHeaders());
                call.request(1);
                byte[] data = pool.acquire();
                java.util.Arrays.fill(data, 0, 4, (byte) 0);
                CRC32C crc = new CRC32C();
                crc.update(data, 0, 4);
                ChunkHeader header = ChunkHeader.newBuilder()
                        .setProtocolVersion(GrpcTransportConfig.PROTOCOL_VERSION)
                        .setJob(config.job)
                        .setLayoutHash(config.layoutHash)
                        .setSenderRank(config.rank)
                        .setTag(Tag.newBuilder().setEpoch(tag.epoch()).setIteration(tag.iteration())
                                .setRound(tag.round()).setChannel(tag.channel()))
                        .setVectorLength(1)
                        .setWire(WireFormat.FLOAT32.toProto())
                        .setOffset(0).setElements(1)
                        .setCrc32C((int) crc.getValue())
                        .build();
                call.sendMessage(new VectorChunk(header, data, 4, pool));
                call.halfClose();
                sent.add(done);
            } catch (RuntimeException e) {
                // the peer is gone already: nobody to tell
            }
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(GOODBYE_MS);
        for (CountDownLatch done : sent) {
            try {
                done.await(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** How long a goodbye may take (the peer may be gone or frozen: nobody waits for it longer). */
    private static final long GOODBYE_MS = 2_000;

    /**
     * Waits (up to the call timeout) for this worker's pushes to be acknowledged, so that the last vectors are
     * delivered before the process exits; then stops serving and closes the channels.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        PeerLink[] snapshot;
        synchronized (links) {
            snapshot = links.clone();
        }
        long drainMs = Math.min(config.callTimeout.toMillis(), 30_000);
        for (PeerLink link : snapshot) {
            if (link != null && !link.drain(drainMs)) {
                log.accept("closing with pushes to " + link.describe() + " still unacknowledged");
            }
        }
        sayGoodbye(snapshot, Departure.CLOSED);
        for (PeerLink link : snapshot) {
            if (link != null) {
                link.shutdown();
            }
        }
        server.shutdown();
        try {
            if (!server.awaitTermination(2, TimeUnit.SECONDS)) {
                server.shutdownNow();
                server.awaitTermination(2, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            server.shutdownNow();
        }
        mailbox.close();
        timer.shutdownNow();
    }
}
