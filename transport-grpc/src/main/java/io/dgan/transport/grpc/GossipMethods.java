package io.dgan.transport.grpc;

import io.dgan.transport.grpc.proto.Hello;
import io.dgan.transport.grpc.proto.PushAck;
import io.grpc.MethodDescriptor;
import io.grpc.protobuf.ProtoUtils;

/** The RPCs of {@code dgan.transport.v1.Gossip} (see dgan_transport.proto), built by hand around our marshaller. */
final class GossipMethods {
    static final String SERVICE = "dgan.transport.v1.Gossip";

    private GossipMethods() {
    }

    static MethodDescriptor<Hello, Hello> hello() {
        return MethodDescriptor.<Hello, Hello>newBuilder()
                .setType(MethodDescriptor.MethodType.UNARY)
                .setFullMethodName(MethodDescriptor.generateFullMethodName(SERVICE, "Hello"))
                .setRequestMarshaller(ProtoUtils.marshaller(Hello.getDefaultInstance()))
                .setResponseMarshaller(ProtoUtils.marshaller(Hello.getDefaultInstance()))
                .build();
    }

    /** One tagged vector per call, answered by one PushAck. */
    static MethodDescriptor<VectorChunk, PushAck> push(ChunkPool pool) {
        return chunkMethod("Push", MethodDescriptor.MethodType.CLIENT_STREAMING, pool);
    }

    /** One long-lived call per peer: every vector's chunks back to back, one PushAck per complete vector. */
    static MethodDescriptor<VectorChunk, PushAck> pushStream(ChunkPool pool) {
        return chunkMethod("PushStream", MethodDescriptor.MethodType.BIDI_STREAMING, pool);
    }

    /** A method that carries Chunk messages (our marshaller) and answers with PushAcks. */
    private static MethodDescriptor<VectorChunk, PushAck> chunkMethod(String name, MethodDescriptor.MethodType type,
                                                                       ChunkPool pool) {
        return MethodDescriptor.<VectorChunk, PushAck>newBuilder()
                .setType(type)
                .setFullMethodName(MethodDescriptor.generateFullMethodName(SERVICE, name))
                .setRequestMarshaller(new ChunkMarshaller(pool))
                .setResponseMarshaller(ProtoUtils.marshaller(PushAck.getDefaultInstance()))
                .build();
    }
}
