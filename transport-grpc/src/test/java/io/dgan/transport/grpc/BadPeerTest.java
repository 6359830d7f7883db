package io.dgan.transport.grpc;

import io.dgan.transport.MessageTag;
import io.dgan.transport.TransportException;
import io.dgan.transport.grpc.proto.ChunkHeader;
import io.dgan.transport.grpc.proto.PushAck;
import io.dgan.transport.grpc.proto.Tag;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32C;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Peers that misbehave, talking to a real transport over real sockets: each push that breaks a rule is refused with a
 * status naming the rule (and no value of the receiver's), counted under a fixed reason, and leaves the round to the
 * real sender; the worker never hangs, and the destination buffer is untouched unless a complete, validated vector
 * arrived. The rogue client shakes hands as rank 0 (the hello in its push headers) unless a test says otherwise.
 */
class BadPeerTest {
    private static final long LAYOUT = 0x1234_5678_9abcL;
    private static final int CHUNK_BYTES = 1024;
    private TransportPair pair;
    private ManagedChannel rogue;
    private RecordingListener seen;

    @BeforeEach
    void start() {
        seen = new RecordingListener();
        pair = TransportPair.start(2, b -> b.chunkBytes(CHUNK_BYTES).vectorLengths(512)
                        .callTimeout(Duration.ofMillis(800)).receiveTimeout(Duration.ofMillis(1500)),
                r -> r == 1 ? seen : TransportListener.NONE, r -> r == 1 ? seen.log::add : msg -> { });
        rogue = NettyChannelBuilder.forAddress("127.0.0.1", pair.get(1).port()).usePlaintext().build();
    }

    /** The hello rank {@code sender} of the test job would send to rank 1, as push headers. */
    private Metadata helloFrom(int sender) {
        Metadata m = new Metadata();
        m.put(ConnectionGuard.HELLO, Handshake.hello(pair.get(sender).config(), 1).toByteArray());
        return m;
    }

    @AfterEach
    void stop() {
        rogue.shutdownNow();
        pair.close();
    }

    private static ChunkHeader.Builder header(int sender, MessageTag tag, long length, long offset, int elements) {
        return ChunkHeader.newBuilder().setProtocolVersion(GrpcTransportConfig.PROTOCOL_VERSION).setJob("test-job")
                .setLayoutHash(LAYOUT).setSenderRank(sender)
                .setTag(Tag.newBuilder().setEpoch(tag.epoch()).setIteration(tag.iteration()).setRound(tag.round())
                        .setChannel(tag.channel()))
                .setVectorLength(length).setOffset(offset).setElements(elements)
                .setWire(io.dgan.transport.grpc.proto.WireFormat.FLOAT32_LE);
    }

    private static byte[] payload(int elements, float value) {
        byte[] data = new byte[elements * 4];
        FloatBuffer view = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
        for (int i = 0; i < elements; i++) {
            view.put(i, value);
        }
        return data;
    }

    private static int crc(byte[] data) {
        CRC32C c = new CRC32C();
        c.update(data, 0, data.length);
        return (int) c.getValue();
    }

    /** Pushes the given chunks on a raw call; completes with the call's final status. */
    private CompletableFuture<Status> push(List<VectorChunk> chunks, boolean halfClose) {
        return push(chunks, halfClose, helloFrom(0));
    }

    private CompletableFuture<Status> push(List<VectorChunk> chunks, boolean halfClose, Metadata headers) {
        ChunkPool pool = new ChunkPool(1 << 20, 4);
        ClientCall<VectorChunk, PushAck> call = rogue.newCall(GossipMethods.push(pool),
                CallOptions.DEFAULT.withDeadlineAfter(5, TimeUnit.SECONDS));
        CompletableFuture<Status> done = start(call, headers);
        chunks.forEach(call::sendMessage);
        if (halfClose) {
            call.halfClose();
        }
        return done;
    }

    /** A chunk with its CRC-32C in the header (a rule every chunk must keep) unless the header has one already. */
    private static VectorChunk chunk(ChunkHeader header, byte[] data) {
        ChunkHeader h = header.hasCrc32C() ? header : header.toBuilder().setCrc32C(crc(data)).build();
        return new VectorChunk(h, data, data.length, new ChunkPool(data.length == 0 ? 1024 : data.length, 0));
    }

    private static VectorChunk chunkWithoutChecksum(ChunkHeader header, byte[] data) {
        return new VectorChunk(header, data, data.length, new ChunkPool(data.length == 0 ? 1024 : data.length, 0));
    }

    /** The receive times out (it is not failed by the refused push) naming the refusal, with dst untouched. */
    private void assertReceiveTimesOutNaming(MessageTag tag, String detail) {
        FloatBuffer dst = sentinel(512);
        assertThatThrownBy(() -> pair.get(1).receive(0, tag, dst))
                .isInstanceOf(TransportException.class).hasMessageContaining("timed out")
                .hasMessageContaining(detail);
        assertUntouched(dst);
    }

    /** After a refused push of {@code tag}, the real sender's vector of that tag is still delivered. */
    private void assertRealSenderStillDelivers(MessageTag tag) {
        float[] values = new float[512];
        java.util.Arrays.fill(values, 0.25f);
        pair.get(0).send(1, tag, FloatBuffer.wrap(values));
        FloatBuffer dst = sentinel(512);
        pair.get(1).receive(0, tag, dst);
        assertThat(dst.get(0)).isEqualTo(0.25f);
        assertThat(dst.get(511)).isEqualTo(0.25f);
    }

    private static FloatBuffer sentinel(int n) {
        FloatBuffer b = FloatBuffer.allocate(n);
        for (int i = 0; i < n; i++) {
            b.put(i, 42f);
        }
        return b;
    }

    private static void assertUntouched(FloatBuffer b) {
        for (int i = 0; i < b.limit(); i++) {
            assertThat(b.get(i)).as("element %d", i).isEqualTo(42f);
        }
    }

    @Test
    void aValidRawPushIsAccepted() throws Exception {
        // The reference for the tests below: the same raw client, playing by the rules, is delivered bit for bit.
        MessageTag tag = new MessageTag(0, 1, 0, 0);
        byte[] data = payload(256, 1.5f);
        byte[] rest = payload(256, 2.5f);
        Status status = push(List.of(
                chunk(header(0, tag, 512, 0, 256).setCrc32C(crc(data)).build(), data),
                chunk(header(0, tag, 512, 256, 256).setCrc32C(crc(rest)).build(), rest)), true).get(5, TimeUnit.SECONDS);
        assertThat(status.isOk()).as(status.toString()).isTrue();
        FloatBuffer dst = sentinel(512);
        pair.get(1).receive(0, tag, dst);
        assertThat(dst.get(0)).isEqualTo(1.5f);
        assertThat(dst.get(511)).isEqualTo(2.5f);
    }

    /** A raw PushStream call: the acknowledgements it got so far and its final status. */
    private record RawStream(ClientCall<VectorChunk, PushAck> call, java.util.concurrent.atomic.AtomicInteger acks,
                             CompletableFuture<Status> closed) {
    }

    private RawStream pushStream(Metadata headers) {
        ClientCall<VectorChunk, PushAck> call = rogue.newCall(GossipMethods.pushStream(new ChunkPool(1 << 20, 4)),
                CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS));
        java.util.concurrent.atomic.AtomicInteger acks = new java.util.concurrent.atomic.AtomicInteger();
        CompletableFuture<Status> closed = new CompletableFuture<>();
        call.start(new ClientCall.Listener<>() {
            @Override
            public void onMessage(PushAck ack) {
                acks.incrementAndGet();
                call.request(1);
            }

            @Override
            public void onClose(Status status, Metadata trailers) {
                closed.complete(status);
            }
        }, headers);
        call.request(1);
        return new RawStream(call, acks, closed);
    }

    private static void awaitAcks(RawStream stream, int n) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (stream.acks().get() < n && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertThat(stream.acks().get()).as("acknowledgements").isEqualTo(n);
    }

    @Test
    void aPushStreamCarriesVectorsBackToBackAndAcknowledgesEachOnceComplete() throws Exception {
        RawStream stream = pushStream(helloFrom(0));
        MessageTag a = new MessageTag(0, 40, 0, 0);
        MessageTag b = new MessageTag(0, 41, 0, 0);
        stream.call().sendMessage(chunk(header(0, a, 512, 0, 256).build(), payload(256, 1.5f)));
        Thread.sleep(100);
        assertThat(stream.acks().get()).as("no acknowledgement for half a vector").isZero();
        stream.call().sendMessage(chunk(header(0, a, 512, 256, 256).build(), payload(256, 2.5f)));
        stream.call().sendMessage(chunk(header(0, b, 256, 0, 256).build(), payload(256, -3f)));
        awaitAcks(stream, 2);
        FloatBuffer first = sentinel(512);
        pair.get(1).receive(0, a, first);
        assertThat(first.get(0)).isEqualTo(1.5f);
        assertThat(first.get(511)).isEqualTo(2.5f);
        FloatBuffer second = sentinel(256);
        pair.get(1).receive(0, b, second);
        assertThat(second.get(255)).isEqualTo(-3f);
        assertThat(stream.closed()).as("the call stays open between vectors").isNotDone();
        stream.call().halfClose();
        assertThat(stream.closed().get(5, TimeUnit.SECONDS).isOk()).isTrue();
    }

    @Test
    void aVectorRefusedOnAPushStreamEndsThatStreamOnlyAndIsNeverDelivered() throws Exception {
        RawStream stream = pushStream(helloFrom(0));
        MessageTag ok = new MessageTag(0, 42, 0, 0);
        MessageTag poisoned = new MessageTag(0, 43, 0, 0);
        stream.call().sendMessage(chunk(header(0, ok, 256, 0, 256).build(), payload(256, 1f)));
        byte[] nan = payload(256, 1f);
        ByteBuffer.wrap(nan).order(ByteOrder.LITTLE_ENDIAN).putFloat(4 * 200, Float.NaN);
        stream.call().sendMessage(chunk(header(0, poisoned, 512, 0, 256).build(), payload(256, 1f)));
        stream.call().sendMessage(chunk(header(0, poisoned, 512, 256, 256).build(), nan));
        Status status = stream.closed().get(5, TimeUnit.SECONDS);
        assertThat(status.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(status.getDescription()).isEqualTo("rank 1 refused the vector: the vector holds a NaN or infinity");
        assertThat(stream.acks().get()).as("the vector before it was acknowledged").isEqualTo(1);
        assertThat(seen.count("0:non_finite")).isEqualTo(1);
        FloatBuffer first = sentinel(256);
        pair.get(1).receive(0, ok, first);
        assertThat(first.get(0)).isEqualTo(1f);
        assertReceiveTimesOutNaming(poisoned, "NaN or infinity");
        // The same connection's next stream is served as usual.
        RawStream next = pushStream(helloFrom(0));
        MessageTag after = new MessageTag(0, 44, 0, 0);
        next.call().sendMessage(chunk(header(0, after, 256, 0, 256).build(), payload(256, 9f)));
        awaitAcks(next, 1);
        next.call().halfClose();
        assertThat(next.closed().get(5, TimeUnit.SECONDS).isOk()).isTrue();
    }

    @Test
    void aPushStreamWithoutAHandshakeOrCutShortIsRefused() throws Exception {
        RawStream anonymous = pushStream(new Metadata());
        anonymous.call().sendMessage(chunk(header(0, new MessageTag(0, 45, 0, 0), 256, 0, 256).build(),
                payload(256, 1f)));
        Status refused = anonymous.closed().get(5, TimeUnit.SECONDS);
        assertThat(refused.getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
        assertThat(seen.count("-1:no_handshake")).isEqualTo(1);

        RawStream cut = pushStream(helloFrom(0));
        MessageTag tag = new MessageTag(0, 46, 0, 0);
        cut.call().sendMessage(chunk(header(0, tag, 512, 0, 256).build(), payload(256, 5f)));
        cut.call().halfClose();
        assertThat(cut.closed().get(5, TimeUnit.SECONDS).getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertReceiveTimesOutNaming(tag, "incomplete vector: 256 of 512");
        assertRealSenderStillDelivers(tag);
    }

    @Test
    void aWrongLayoutHashIsRefusedWithoutItsValueAndTheRealSenderKeepsTheRound() throws Exception {
        MessageTag tag = new MessageTag(0, 1, 0, 0);
        byte[] data = payload(256, 7f);
        Status status = push(List.of(chunk(header(0, tag, 512, 0, 256).setLayoutHash(99).build(), data)), true)
                .get(5, TimeUnit.SECONDS);
        assertThat(status.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(status.getDescription()).isEqualTo("rank 1 refused the vector: malformed vector")
                .doesNotContain("test-job").doesNotContainIgnoringCase("1234");
        assertThat(seen.count("0:malformed")).isEqualTo(1);
        assertThat(seen.log).anySatisfy(line -> assertThat(line).contains("layout hash"));
        assertRealSenderStillDelivers(tag);
    }

    @Test
    void aPushWithoutAHandshakeOnItsConnectionIsRefused() throws Exception {
        MessageTag tag = new MessageTag(0, 30, 0, 0);
        byte[] data = payload(256, 1f);
        Status status = push(List.of(chunk(header(0, tag, 256, 0, 256).build(), data)), true, new Metadata())
                .get(5, TimeUnit.SECONDS);
        assertThat(status.getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
        assertThat(status.getDescription()).contains("no handshake on this connection");
        assertThat(seen.count("-1:no_handshake")).isEqualTo(1);
    }

    @Test
    void aVectorClaimingAnotherRankThanItsConnectionsHandshakeIsRefused() throws Exception {
        MessageTag tag = new MessageTag(0, 31, 0, 0);
        byte[] data = payload(256, 1f);
        // The connection shook hands as rank 0 ...
        assertThat(push(List.of(chunk(header(0, tag, 256, 0, 256).build(), data)), true).get(5, TimeUnit.SECONDS)
                .isOk()).isTrue();
        // ... so a vector of "rank 2", or a second handshake as another rank, is refused on it.
        MessageTag next = new MessageTag(0, 32, 0, 0);
        Status forged = push(List.of(chunk(header(2, next, 256, 0, 256).build(), data)), true)
                .get(5, TimeUnit.SECONDS);
        assertThat(forged.getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
        assertThat(seen.count("0:rank_mismatch")).isEqualTo(1);
    }

    @Test
    void nanAndInfinityAreRefusedCountedAndNeverDelivered() throws Exception {
        MessageTag tag = new MessageTag(0, 33, 0, 0);
        byte[] good = payload(256, 1f);
        byte[] nan = payload(256, 1f);
        ByteBuffer.wrap(nan).order(ByteOrder.LITTLE_ENDIAN).putFloat(4 * 17, Float.NaN);
        Status status = push(List.of(chunk(header(0, tag, 512, 0, 256).build(), good),
                chunk(header(0, tag, 512, 256, 256).build(), nan)), true).get(5, TimeUnit.SECONDS);
        assertThat(status.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(status.getDescription()).contains("NaN or infinity");
        byte[] inf = payload(256, Float.NEGATIVE_INFINITY);
        MessageTag tag2 = new MessageTag(0, 34, 0, 0);
        assertThat(push(List.of(chunk(header(0, tag2, 256, 0, 256).build(), inf)), true).get(5, TimeUnit.SECONDS)
                .getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        // bfloat16 too: 0x7fc0 is a NaN
        byte[] bf = new byte[512];
        bf[101] = 0x7f;
        bf[100] = (byte) 0xc0;
        MessageTag tag3 = new MessageTag(0, 35, 0, 0);
        assertThat(push(List.of(chunk(header(0, tag3, 256, 0, 256)
                .setWire(io.dgan.transport.grpc.proto.WireFormat.BFLOAT16_LE).build(), bf)), true)
                .get(5, TimeUnit.SECONDS).getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(seen.count("0:non_finite")).isEqualTo(3);
        assertReceiveTimesOutNaming(tag, "NaN or infinity");
        assertRealSenderStillDelivers(tag);
    }

    @Test
    void aChunkWithoutAChecksumIsRefused() throws Exception {
        MessageTag tag = new MessageTag(0, 36, 0, 0);
        byte[] data = payload(256, 1f);
        Status status = push(List.of(chunkWithoutChecksum(header(0, tag, 256, 0, 256).build(), data)), true)
                .get(5, TimeUnit.SECONDS);
        assertThat(status.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(status.getDescription()).contains("checksum missing or wrong");
        assertThat(seen.count("0:checksum")).isEqualTo(1);
    }

    @Test
    void handshakesClaimingEveryRankCreateNoNewLabelAndExhaustTheConnection() {
        // 200 hellos with distinct (mostly impossible) sender ranks on one connection: refused, charged to "-1"
        // (never to the rank a peer claims), and past the per-connection budget every call is refused unread.
        int refused = 0;
        for (int r = 0; r < 200; r++) {
            io.dgan.transport.grpc.proto.Hello forged = Handshake.hello(pair.get(0).config(), 1).toBuilder()
                    .setSenderRank(1000 + r).build();
            try {
                io.grpc.stub.ClientCalls.blockingUnaryCall(rogue, GossipMethods.hello(),
                        CallOptions.DEFAULT.withDeadlineAfter(5, TimeUnit.SECONDS), forged);
            } catch (io.grpc.StatusRuntimeException e) {
                refused++;
                assertThat(e.getStatus().getDescription()).doesNotContain("test-job");
            }
        }
        assertThat(refused).isEqualTo(200);
        assertThat(seen.refusals).allSatisfy(r -> assertThat(r).startsWith("-1:"));
        assertThat(seen.count("-1:handshake")).isEqualTo(32);
        assertThat(seen.count("-1:abuse")).isEqualTo(168);
        // The real peers are not affected.
        MessageTag tag = new MessageTag(0, 37, 0, 0);
        assertRealSenderStillDelivers(tag);
    }

    @Test
    void aHandshakeRefusalNamesTheFieldButNoValue() {
        io.dgan.transport.grpc.proto.Hello other = Handshake.hello(pair.get(0).config(), 1).toBuilder()
                .setJob("other-job").setLayoutHash(77).build();
        assertThatThrownBy(() -> io.grpc.stub.ClientCalls.blockingUnaryCall(rogue, GossipMethods.hello(),
                CallOptions.DEFAULT.withDeadlineAfter(5, TimeUnit.SECONDS), other))
                .hasMessageContaining("handshake refused by rank 1: job differs")
                .hasMessageNotContaining("test-job");
        assertThat(seen.log).anySatisfy(line -> assertThat(line).contains("'test-job'"));
    }

    @Test
    void vectorsWaitingArePerSenderAndAConnectionPerRankLimitHolds() throws Exception {
        // 64 partial vectors of rank 0 (the pending limit) are refused beyond the limit ...
        byte[] half = payload(256, 1f);
        List<CompletableFuture<Status>> open = new ArrayList<>();
        for (int i = 0; i < 64; i++) {
            open.add(push(List.of(chunk(header(0, new MessageTag(0, 1000 + i, 0, 0), 512, 0, 256).build(), half)),
                    false));
        }
        Thread.sleep(500); // the 64 first chunks are in
        Status over = push(List.of(chunk(header(0, new MessageTag(0, 2000, 0, 0), 512, 0, 256).build(), half)), true)
                .get(5, TimeUnit.SECONDS);
        assertThat(over.getCode()).as(over + " " + seen.log).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
        assertThat(seen.count("0:limit")).isEqualTo(1);
        open.forEach(f -> f.cancel(true));
        // ... and a rank may hold at most 4 connections.
        List<ManagedChannel> extra = new ArrayList<>();
        try {
            int refusedConnections = 0;
            for (int i = 0; i < 6; i++) {
                ManagedChannel c = NettyChannelBuilder.forAddress("127.0.0.1", pair.get(1).port()).usePlaintext()
                        .build();
                extra.add(c);
                try {
                    io.grpc.stub.ClientCalls.blockingUnaryCall(c, GossipMethods.hello(),
                            CallOptions.DEFAULT.withDeadlineAfter(5, TimeUnit.SECONDS),
                            Handshake.hello(pair.get(0).config(), 1));
                } catch (io.grpc.StatusRuntimeException e) {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
                    refusedConnections++;
                }
            }
            // rogue holds one connection of rank 0, so does rank 0's transport (it pushed above) ... 4 in all
            assertThat(refusedConnections).isGreaterThanOrEqualTo(2);
            assertThat(seen.count("-1:connections")).isEqualTo(refusedConnections);
        } finally {
            extra.forEach(ManagedChannel::shutdownNow);
        }
    }

    @Test
    void aCorruptChunkIsRefusedAndNothingIsDelivered() throws Exception {
        MessageTag tag = new MessageTag(0, 2, 0, 0);
        byte[] good = payload(256, 1f);
        byte[] bad = payload(256, 1f);
        int crcOfIntended = crc(bad);
        bad[100] ^= 0x10; // one bit flipped in flight
        Status status = push(List.of(chunk(header(0, tag, 512, 0, 256).setCrc32C(crc(good)).build(), good),
                chunk(header(0, tag, 512, 256, 256).setCrc32C(crcOfIntended).build(), bad)), true)
                .get(5, TimeUnit.SECONDS);
        assertThat(status.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(status.getDescription()).contains("checksum");
        assertReceiveTimesOutNaming(tag, "checksum mismatch");
    }

    /** Pushes raw message bodies (each one gRPC message) on the Push method; completes with the final status. */
    private CompletableFuture<Status> pushRaw(List<byte[]> messages) {
        MethodDescriptor<byte[], PushAck> raw = GossipMethods.push(new ChunkPool(1 << 20, 0)).toBuilder(
                new BytesMarshaller(), io.grpc.protobuf.ProtoUtils.marshaller(PushAck.getDefaultInstance())).build();
        ClientCall<byte[], PushAck> call = rogue.newCall(raw, CallOptions.DEFAULT.withDeadlineAfter(5, TimeUnit.SECONDS));
        CompletableFuture<Status> done = start(call, helloFrom(0));
        messages.forEach(call::sendMessage);
        call.halfClose();
        return done;
    }

    /** Starts a raw Push call and asks for its ack; the future completes with the call's final status. */
    private static <T> CompletableFuture<Status> start(ClientCall<T, PushAck> call, Metadata headers) {
        CompletableFuture<Status> done = new CompletableFuture<>();
        call.start(new ClientCall.Listener<>() {
            @Override
            public void onClose(Status status, Metadata trailers) {
                done.complete(status);
            }
        }, headers);
        call.request(1);
        return done;
    }

    /** The bytes the transport's own sender puts on the wire for a float32 chunk with a CRC-32C trailer. */
    private static byte[] withTrailer(ChunkHeader header, float[] values) throws IOException {
        VectorChunk chunk = VectorChunk.fromSource(header, FloatBuffer.wrap(values), 0, values.length,
                new ChunkPool(values.length * 4, 0), true);
        return new ChunkMarshaller(new ChunkPool(1 << 20, 0)).stream(chunk).readAllBytes();
    }

    @Test
    void theCrcTrailerIsVerifiedAndACorruptPayloadUnderItIsRefused() throws Exception {
        float[] ones = new float[256];
        java.util.Arrays.fill(ones, 1f);
        float[] twos = new float[256];
        java.util.Arrays.fill(twos, 2f);
        // Accepted as sent: the trailer (tag 0x1d + 4 bytes) follows the data.
        MessageTag ok = new MessageTag(0, 20, 0, 0);
        byte[] first = withTrailer(header(0, ok, 512, 0, 256).build(), ones);
        assertThat(first[first.length - 5]).isEqualTo((byte) ChunkMarshaller.TRAILER_FIELD);
        Status accepted = pushRaw(List.of(first, withTrailer(header(0, ok, 512, 256, 256).build(), twos)))
                .get(5, TimeUnit.SECONDS);
        assertThat(accepted.isOk()).as(accepted.toString()).isTrue();
        FloatBuffer got = sentinel(512);
        pair.get(1).receive(0, ok, got);
        assertThat(got.get(0)).isEqualTo(1f);
        assertThat(got.get(511)).isEqualTo(2f);

        // One bit of the second chunk's data flipped in flight: refused, nothing delivered.
        MessageTag tag = new MessageTag(0, 21, 0, 0);
        byte[] bad = withTrailer(header(0, tag, 512, 256, 256).build(), twos);
        bad[bad.length - 5 - 100] ^= 0x10;
        Status status = pushRaw(List.of(withTrailer(header(0, tag, 512, 0, 256).build(), ones), bad))
                .get(5, TimeUnit.SECONDS);
        assertThat(status.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(status.getDescription()).contains("checksum missing or wrong");
        assertReceiveTimesOutNaming(tag, "checksum mismatch (CRC trailer) in chunk at offset 256");

        // Something other than a CRC trailer after the data is malformed.
        MessageTag tag2 = new MessageTag(0, 22, 0, 0);
        byte[] odd = withTrailer(header(0, tag2, 256, 0, 256).build(), ones);
        odd[odd.length - 5] = 0x25; // field 4, fixed32
        Status malformed = pushRaw(List.of(odd)).get(5, TimeUnit.SECONDS);
        assertThat(malformed.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(malformed.getDescription()).contains("malformed");
    }

    @Test
    void chunksOutOfOrderOrOverflowingTheVectorAreRefused() throws Exception {
        MessageTag tag = new MessageTag(0, 3, 0, 0);
        byte[] data = payload(256, 1f);
        Status gap = push(List.of(chunk(header(0, tag, 512, 256, 256).build(), data)), true).get(5, TimeUnit.SECONDS);
        assertThat(gap.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(seen.log).anySatisfy(l -> assertThat(l).contains("offset 256, expected 0"));

        MessageTag tag2 = new MessageTag(0, 4, 0, 0);
        Status overflow = push(List.of(chunk(header(0, tag2, 100, 0, 256).build(), data)), true)
                .get(5, TimeUnit.SECONDS);
        assertThat(overflow.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);

        MessageTag tag3 = new MessageTag(0, 5, 0, 0);
        Status huge = push(List.of(chunk(header(0, tag3, 1L << 40, 0, 256).build(), data)), true)
                .get(5, TimeUnit.SECONDS);
        assertThat(huge.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(seen.count("0:malformed")).isEqualTo(3);
    }

    @Test
    void anOversizedMessageIsRejectedByTheSizeLimit() throws Exception {
        MessageTag tag = new MessageTag(0, 6, 0, 0);
        byte[] tooBig = payload(4 * CHUNK_BYTES, 3f); // 16 KiB in one message, limit ~5 KiB
        Status status = push(List.of(chunk(header(0, tag, 512, 0, 4 * CHUNK_BYTES).build(), tooBig)), true)
                .get(5, TimeUnit.SECONDS);
        assertThat(status.getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
        assertReceiveTimesOutNaming(tag, "timed out"); // cut off by gRPC before it is read: never attributed
    }

    @Test
    void garbageInsideAGrpcMessageIsRejectedAsMalformed() throws Exception {
        byte[] garbage = new byte[3000];
        new Random(1).nextBytes(garbage);
        garbage[0] = 0x55;
        Status status = pushRaw(List.of(garbage)).get(5, TimeUnit.SECONDS);
        assertThat(status.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(status.getDescription()).contains("malformed");
        // The transport keeps working for well-behaved peers.
        FloatBuffer v = FloatBuffer.wrap(new float[] {1, 2, 3});
        MessageTag tag = new MessageTag(0, 7, 0, 0);
        pair.get(0).send(1, tag, v);
        FloatBuffer dst = FloatBuffer.allocate(3);
        pair.get(1).receive(0, tag, dst);
        assertThat(dst.array()).containsExactly(1, 2, 3);
    }

    @Test
    void anIncompleteVectorIsNeverDelivered() throws Exception {
        MessageTag tag = new MessageTag(0, 8, 0, 0);
        byte[] half = payload(256, 5f);
        Status status = push(List.of(chunk(header(0, tag, 512, 0, 256).build(), half)), true).get(5, TimeUnit.SECONDS);
        assertThat(status.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertReceiveTimesOutNaming(tag, "incomplete vector: 256 of 512");
    }

    @Test
    void aPushThatStallsIsCutOffAndTheRoundStaysOpen() throws Exception {
        MessageTag tag = new MessageTag(0, 9, 0, 0);
        byte[] half = payload(256, 5f);
        CompletableFuture<Status> status = push(List.of(chunk(header(0, tag, 512, 0, 256).build(), half)), false);
        assertReceiveTimesOutNaming(tag, "stalled");
        assertThat(status.get(5, TimeUnit.SECONDS).getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
        assertThat(seen.count("0:stalled")).isEqualTo(1);
        assertRealSenderStillDelivers(tag);
    }

    @Test
    void aChunkClaimingAnotherJobOrItselfIsRefused() throws Exception {
        MessageTag tag = new MessageTag(0, 10, 0, 0);
        byte[] data = payload(256, 1f);
        Status otherJob = push(List.of(chunk(header(0, tag, 256, 0, 256).setJob("other").build(), data)), true)
                .get(5, TimeUnit.SECONDS);
        assertThat(otherJob.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(otherJob.getDescription()).doesNotContain("test-job");
        Status self = push(List.of(chunk(header(1, tag, 256, 0, 256).build(), data)), true).get(5, TimeUnit.SECONDS);
        assertThat(self.getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
        assertThat(seen.count("0:malformed")).isEqualTo(1);
        assertThat(seen.count("0:rank_mismatch")).isEqualTo(1);
    }

    @Test
    void rawGarbageOnTheSocketIsDroppedAndTheWorkerKeepsServing() throws Exception {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", pair.get(1).port()), 2000);
            socket.setSoTimeout(5000);
            byte[] garbage = new byte[8192];
            new Random(2).nextBytes(garbage);
            OutputStream out = socket.getOutputStream();
            out.write(garbage);
            out.flush();
            InputStream in = socket.getInputStream();
            // The server answers with at most a GOAWAY and closes the connection.
            byte[] sink = new byte[4096];
            int total = 0;
            int n;
            try {
                while ((n = in.read(sink)) >= 0) {
                    total += n;
                }
            } catch (IOException closedHard) {
                // connection reset: closed as well
            }
            assertThat(total).isLessThan(4096);
        }
        try (Socket silent = new Socket()) {
            // A connection that says nothing at all does not block anyone else.
            silent.connect(new InetSocketAddress("127.0.0.1", pair.get(1).port()), 2000);
            MessageTag tag = new MessageTag(0, 11, 0, 0);
            pair.get(0).send(1, tag, FloatBuffer.wrap(new float[] {4, 5}));
            FloatBuffer dst = FloatBuffer.allocate(2);
            pair.get(1).receive(0, tag, dst);
            assertThat(dst.array()).containsExactly(4, 5);
        }
    }

    @Test
    void aPeerThatNeverAnswersTimesOutNamingItsRankAndAddress() {
        int[] ports = FreePorts.pick(2);
        List<String> logged = new ArrayList<>();
        List<String> addresses = List.of("127.0.0.1:" + ports[0], "127.0.0.1:" + ports[1]);
        try (GrpcTransport lonely = new GrpcTransport(GrpcTransportConfig.builder("job", 0, 2).bindHost("127.0.0.1")
                .port(ports[0]).connectTimeout(Duration.ofMillis(1500)).build(), PeerDirectory.list(addresses, 2),
                TransportListener.NONE, logged::add)) {
            assertThatThrownBy(() -> lonely.awaitPeers(List.of(1)))
                    .isInstanceOf(TransportException.class)
                    .hasMessageContaining("rank 1 (127.0.0.1:" + ports[1] + ")").hasMessageContaining("UNAVAILABLE");
            assertThat(logged).anySatisfy(line -> assertThat(line).startsWith("waiting for rank 1"));
        }
    }

    @Test
    void aNameThatDoesNotResolveIsWaitedForThenReported() {
        int[] ports = FreePorts.pick(1);
        List<String> logged = new ArrayList<>();
        PeerDirectory dns = PeerDirectory.template("test-worker-{rank}.dgan-peers.invalid:" + ports[0]);
        try (GrpcTransport lonely = new GrpcTransport(GrpcTransportConfig.builder("job", 0, 2).bindHost("127.0.0.1")
                .port(ports[0]).connectTimeout(Duration.ofMillis(1500)).build(), dns, TransportListener.NONE,
                logged::add)) {
            assertThatThrownBy(() -> lonely.awaitPeers(List.of(1)))
                    .isInstanceOf(TransportException.class)
                    .hasMessageContaining("rank 1 (test-worker-1.dgan-peers.invalid:" + ports[0] + ")");
        }
    }

    @Test
    void aPeerThatStartsLateIsWaitedForWhileServing() throws Exception {
        int[] ports = FreePorts.pick(2);
        List<String> addresses = List.of("127.0.0.1:" + ports[0], "127.0.0.1:" + ports[1]);
        try (GrpcTransport early = new GrpcTransport(GrpcTransportConfig.builder("job", 0, 2).bindHost("127.0.0.1")
                .port(ports[0]).connectTimeout(Duration.ofSeconds(20)).build(), PeerDirectory.list(addresses, 2),
                TransportListener.NONE, msg -> { })) {
            CompletableFuture<Void> waiting = CompletableFuture.runAsync(() -> early.awaitPeers(List.of(1)));
            Thread.sleep(1200);
            assertThat(waiting).isNotDone();
            try (GrpcTransport late = new GrpcTransport(GrpcTransportConfig.builder("job", 1, 2)
                    .bindHost("127.0.0.1").port(ports[1]).build(), PeerDirectory.list(addresses, 2),
                    TransportListener.NONE, msg -> { })) {
                late.awaitPeers(List.of(0)); // early serves while it waits
                waiting.get(10, TimeUnit.SECONDS);
                MessageTag tag = new MessageTag(0, 1, 0, 0);
                early.send(1, tag, FloatBuffer.wrap(new float[] {9}));
                FloatBuffer dst = FloatBuffer.allocate(1);
                late.receive(0, tag, dst);
                assertThat(dst.get(0)).isEqualTo(9f);
            }
        }
    }

    @Test
    void peerDirectoriesValidateTheirInput() {
        assertThatThrownBy(() -> PeerDirectory.template("worker.svc:7070"))
                .hasMessageContaining("--peer-template").hasMessageContaining("{rank}");
        assertThatThrownBy(() -> PeerDirectory.list("a:1,b:2", 3)).hasMessageContaining("--peers: expected 3");
        assertThatThrownBy(() -> PeerDirectory.list("a:1,b", 2)).hasMessageContaining("host:port");
        assertThat(PeerDirectory.template("j-worker-{rank}.j-peers.ns.svc:7070").address(3))
                .isEqualTo("j-worker-3.j-peers.ns.svc:7070");
    }

    /** Sends arbitrary bytes as a gRPC message body. */
    private static final class BytesMarshaller implements MethodDescriptor.Marshaller<byte[]> {
        @Override
        public InputStream stream(byte[] value) {
            return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
            throw new UnsupportedOperationException();
        }
    }
}
