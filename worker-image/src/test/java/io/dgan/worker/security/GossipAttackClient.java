package io.dgan.worker.security;

import com.google.protobuf.ByteString;
import io.dgan.transport.grpc.proto.Chunk;
import io.dgan.transport.grpc.proto.ChunkHeader;
import io.dgan.transport.grpc.proto.Hello;
import io.dgan.transport.grpc.proto.PushAck;
import io.dgan.transport.grpc.proto.Tag;
import io.dgan.transport.grpc.proto.WireFormat;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.stub.ClientCalls;

import java.io.ByteArrayInputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32C;

/**
 * An attacker on the gossip port of a running worker, replaying every attack of the security review: pushes
 * without a handshake and without a CRC full of NaN, pushes with a wrong layout hash, forged pushes filling a
 * claimed sender's pending limit, handshakes with thousands of distinct sender ranks (metric label cardinality),
 * thousands of silent streams, hundreds of connections, garbage bytes and silent sockets. It speaks the protocol
 * from its own copy of the method names and messages (as an outsider would), with whatever certificate it is given
 * (none, another CA's, another job's, a rank the job does not have). Each attack returns how its calls ended.
 */
final class GossipAttackClient {
    private static final MethodDescriptor<Hello, Hello> HELLO = MethodDescriptor.<Hello, Hello>newBuilder()
            .setType(MethodDescriptor.MethodType.UNARY).setFullMethodName("dgan.transport.v1.Gossip/Hello")
            .setRequestMarshaller(ProtoUtils.marshaller(Hello.getDefaultInstance()))
            .setResponseMarshaller(ProtoUtils.marshaller(Hello.getDefaultInstance())).build();
    private static final MethodDescriptor<Chunk, PushAck> PUSH = MethodDescriptor.<Chunk, PushAck>newBuilder()
            .setType(MethodDescriptor.MethodType.CLIENT_STREAMING).setFullMethodName("dgan.transport.v1.Gossip/Push")
            .setRequestMarshaller(ProtoUtils.marshaller(Chunk.getDefaultInstance()))
            .setResponseMarshaller(ProtoUtils.marshaller(PushAck.getDefaultInstance())).build();
    private static final Metadata.Key<byte[]> HELLO_HEADER =
            Metadata.Key.of("dgan-hello-bin", Metadata.BINARY_BYTE_MARSHALLER);

    private final String host;
    private final int port;
    private final String certificatePem;
    private final String keyPem;
    private final String job;
    private final long layoutHash;
    private final long vectorLength;

    /** Statuses of the attack's calls, by code name ("OK" if one was accepted). */
    static final class Outcome {
        final Map<String, Integer> codes = new LinkedHashMap<>();

        synchronized void add(Status status) {
            codes.merge(status.getCode().name(), 1, Integer::sum);
        }

        synchronized int accepted() {
            return codes.getOrDefault("OK", 0);
        }

        @Override
        public synchronized String toString() {
            return codes.toString();
        }
    }

    /**
     * @param certificatePem the attacker's certificate and key (null: none); {@code job}, {@code layoutHash} and
     *                       {@code vectorLength}: what it knows of the job (everything but a key of the job's CA)
     */
    GossipAttackClient(String host, int port, String certificatePem, String keyPem, String job, long layoutHash,
                       long vectorLength) {
        this.host = host;
        this.port = port;
        this.certificatePem = certificatePem;
        this.keyPem = keyPem;
        this.job = job;
        this.layoutHash = layoutHash;
        this.vectorLength = vectorLength;
    }

    ManagedChannel channel() {
        try {
            SslContextBuilder b = GrpcSslContexts.forClient().trustManager(InsecureTrustManagerFactory.INSTANCE);
            if (certificatePem != null) {
                b.keyManager(new ByteArrayInputStream(certificatePem.getBytes(StandardCharsets.US_ASCII)),
                        new ByteArrayInputStream(keyPem.getBytes(StandardCharsets.US_ASCII)));
            }
            return NettyChannelBuilder.forAddress(host, port).sslContext(b.build()).build();
        } catch (javax.net.ssl.SSLException e) {
            throw new IllegalStateException(e);
        }
    }

    Hello hello(int sender, int receiver) {
        return Hello.newBuilder().setProtocolVersion(3).setJob(job).setLayoutHash(layoutHash).setDtype("float32")
                .addVectorLengths(vectorLength).setSenderRank(sender).setReceiverRank(receiver).setWorldSize(2)
                .setWire(WireFormat.FLOAT32_LE).build();
    }

    private Chunk chunk(int sender, long iteration, long layout, float value, boolean crc, int elements,
                        long length) {
        byte[] data = new byte[elements * 4];
        ByteBuffer le = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < elements; i++) {
            le.putFloat(i * 4, value);
        }
        ChunkHeader.Builder h = ChunkHeader.newBuilder().setProtocolVersion(3).setJob(job).setLayoutHash(layout)
                .setSenderRank(sender).setTag(Tag.newBuilder().setIteration(iteration))
                .setVectorLength(length).setOffset(0).setElements(elements).setWire(WireFormat.FLOAT32_LE);
        if (crc) {
            CRC32C c = new CRC32C();
            c.update(data);
            h.setCrc32C((int) c.getValue());
        }
        return Chunk.newBuilder().setHeader(h).setData(ByteString.copyFrom(data)).build();
    }

    /** Starts a push; completes with its status. */
    private CompletableFuture<Status> push(ManagedChannel ch, Metadata headers, List<Chunk> chunks,
                                           boolean halfClose) {
        CompletableFuture<Status> done = new CompletableFuture<>();
        ClientCall<Chunk, PushAck> call = ch.newCall(PUSH, CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS));
        call.start(new ClientCall.Listener<>() {
            @Override
            public void onClose(Status status, Metadata trailers) {
                done.complete(status);
            }
        }, headers);
        call.request(1);
        chunks.forEach(call::sendMessage);
        if (halfClose) {
            call.halfClose();
        }
        return done;
    }

    private Metadata helloHeader(int sender, int receiver) {
        Metadata m = new Metadata();
        m.put(HELLO_HEADER, hello(sender, receiver).toByteArray());
        return m;
    }

    private static void settle(Outcome o, List<CompletableFuture<Status>> calls) {
        for (CompletableFuture<Status> f : calls) {
            try {
                o.add(f.get(15, TimeUnit.SECONDS));
            } catch (Exception e) {
                o.add(Status.fromThrowable(e));
            }
        }
    }

    /** 20 vectors full of NaN claiming {@code sender}, without a handshake and without a CRC. */
    Outcome nanWithoutHandshakeOrCrc(int sender, int receiver, long fromIteration) {
        Outcome o = new Outcome();
        ManagedChannel ch = channel();
        try {
            List<CompletableFuture<Status>> calls = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                calls.add(push(ch, new Metadata(), List.of(chunk(sender, fromIteration + i, layoutHash, Float.NaN,
                        false, (int) vectorLength, vectorLength)), true));
            }
            settle(o, calls);
            // and the same with the hello in the headers (a plaintext attacker's best try), with and without CRC
            calls.clear();
            for (int i = 0; i < 20; i++) {
                calls.add(push(ch, helloHeader(sender, receiver), List.of(chunk(sender, fromIteration + i,
                        layoutHash, Float.NaN, i % 2 == 0, (int) vectorLength, vectorLength)), true));
            }
            settle(o, calls);
        } finally {
            ch.shutdownNow();
        }
        return o;
    }

    /** 200 pushes claiming {@code sender} with a wrong layout hash. */
    Outcome wrongLayout(int sender, int receiver, long fromIteration) {
        Outcome o = new Outcome();
        ManagedChannel ch = channel();
        try {
            List<CompletableFuture<Status>> calls = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                calls.add(push(ch, helloHeader(sender, receiver), List.of(chunk(sender, fromIteration + i,
                        layoutHash ^ 0x5a5a, 1f, true, (int) vectorLength, vectorLength)), true));
            }
            settle(o, calls);
        } finally {
            ch.shutdownNow();
        }
        return o;
    }

    /** 63 partial vectors claiming {@code sender}, held open (the pending limit), then abandoned. */
    Outcome fillPending(int sender, int receiver, long fromIteration) {
        Outcome o = new Outcome();
        ManagedChannel ch = channel();
        try {
            List<CompletableFuture<Status>> calls = new ArrayList<>();
            for (int i = 0; i < 63; i++) {
                calls.add(push(ch, helloHeader(sender, receiver), List.of(chunk(sender, fromIteration + i,
                        layoutHash, 1f, true, 1, vectorLength)), false));
            }
            settle(o, calls);
        } finally {
            ch.shutdownNow();
        }
        return o;
    }

    /** {@code count} handshakes, each claiming another sender rank. */
    Outcome helloFlood(int count, int receiver) {
        Outcome o = new Outcome();
        ManagedChannel ch = channel();
        try {
            for (int i = 0; i < count; i++) {
                try {
                    ClientCalls.blockingUnaryCall(ch, HELLO, CallOptions.DEFAULT.withDeadlineAfter(5,
                            TimeUnit.SECONDS), hello(i, receiver));
                    o.add(Status.OK);
                } catch (io.grpc.StatusRuntimeException e) {
                    o.add(e.getStatus());
                }
            }
        } finally {
            ch.shutdownNow();
        }
        return o;
    }

    /** {@code count} push streams opened and left silent on one connection. */
    Outcome silentStreams(int count, int sender, int receiver) {
        Outcome o = new Outcome();
        ManagedChannel ch = channel();
        try {
            List<CompletableFuture<Status>> calls = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                calls.add(push(ch, helloHeader(sender, receiver), List.of(), false));
            }
            settle(o, calls);
        } finally {
            ch.shutdownNow();
        }
        return o;
    }

    /** {@code count} connections, each trying one handshake. */
    Outcome connections(int count, int receiver) {
        Outcome o = new Outcome();
        List<ManagedChannel> open = new ArrayList<>();
        try {
            for (int i = 0; i < count; i++) {
                ManagedChannel ch = channel();
                open.add(ch);
                try {
                    ClientCalls.blockingUnaryCall(ch, HELLO, CallOptions.DEFAULT.withDeadlineAfter(5,
                            TimeUnit.SECONDS), hello(1 - receiver, receiver));
                    o.add(Status.OK);
                } catch (io.grpc.StatusRuntimeException e) {
                    o.add(e.getStatus());
                }
            }
        } finally {
            open.forEach(ManagedChannel::shutdownNow);
        }
        return o;
    }

    /** Random bytes on raw sockets, and sockets that say nothing; returns how many the server closed. */
    int garbageAndSilence(int sockets) throws java.io.IOException {
        Random random = new Random(5);
        List<Socket> silent = new ArrayList<>();
        int closed = 0;
        try {
            for (int i = 0; i < sockets; i++) {
                try (Socket s = new Socket()) {
                    s.connect(new InetSocketAddress(host, port), 2000);
                    s.setSoTimeout(5000);
                    byte[] junk = new byte[4096];
                    random.nextBytes(junk);
                    OutputStream out = s.getOutputStream();
                    out.write(junk);
                    out.flush();
                    try {
                        while (s.getInputStream().read(junk) >= 0) {
                            // drain until the server closes
                        }
                        closed++;
                    } catch (java.io.IOException reset) {
                        closed++;
                    }
                }
                Socket quiet = new Socket();
                quiet.connect(new InetSocketAddress(host, port), 2000);
                silent.add(quiet);
            }
        } finally {
            for (Socket s : silent) {
                s.close();
            }
        }
        return closed;
    }
}
