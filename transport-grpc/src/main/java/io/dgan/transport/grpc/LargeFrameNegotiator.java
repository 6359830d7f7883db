package io.dgan.transport.grpc;

import io.grpc.netty.shaded.io.grpc.netty.GrpcHttp2ConnectionHandler;
import io.grpc.netty.shaded.io.grpc.netty.InternalProtocolNegotiator;
import io.grpc.netty.shaded.io.grpc.netty.InternalProtocolNegotiators;
import io.grpc.netty.shaded.io.netty.channel.ChannelHandler;
import io.grpc.netty.shaded.io.netty.channel.ChannelHandlerContext;
import io.grpc.netty.shaded.io.netty.channel.ChannelInboundHandlerAdapter;
import io.grpc.netty.shaded.io.netty.handler.codec.ByteToMessageDecoder;
import io.grpc.netty.shaded.io.netty.handler.codec.http2.Http2Settings;
import io.grpc.netty.shaded.io.netty.util.AsciiString;

/**
 * Plaintext server negotiation that, once the connection is up, announces a larger HTTP/2 SETTINGS_MAX_FRAME_SIZE
 * than the 16 KiB default grpc-netty always advertises (it offers no setting for it). Bulk vectors then travel in
 * DATA frames of up to {@code maxFrameSize} instead of 16 KiB: ~60× fewer frames, and the per-frame work (headers,
 * flow-control bookkeeping, promises, buffer slices) was where the CPU went (docs/benchmarks-transport.md).
 *
 * <p>This is plain HTTP/2: a second SETTINGS frame from the server; the client applies it on receipt, the server's
 * frame reader when the client acknowledges it. It relies on grpc-netty's "Internal" negotiator hooks, which are
 * public but not a stable API: if a gRPC upgrade breaks it, set the frame size to 0 to fall back to the default.
 */
final class LargeFrameNegotiator implements InternalProtocolNegotiator.ProtocolNegotiator {
    private final InternalProtocolNegotiator.ProtocolNegotiator plaintext;
    private final int maxFrameSize;

    LargeFrameNegotiator(int maxFrameSize) {
        this(maxFrameSize, InternalProtocolNegotiators.serverPlaintext());
    }

    /**
     * Around another server negotiation (TLS: {@code InternalProtocolNegotiators.serverTls}); the larger frames are
     * announced once the client's HTTP/2 preface has arrived, i.e. after the TLS handshake.
     */
    LargeFrameNegotiator(int maxFrameSize, InternalProtocolNegotiator.ProtocolNegotiator inner) {
        this.maxFrameSize = maxFrameSize;
        this.plaintext = inner;
    }

    @Override
    public AsciiString scheme() {
        return plaintext.scheme();
    }

    /**
     * Off switch for the composite cumulator (A/B measurements): {@code -Ddgan.transport.compositeCumulator=false}.
     */
    static final boolean COMPOSITE_CUMULATOR = !"false".equals(System.getProperty("dgan.transport.compositeCumulator"));

    @Override
    public ChannelHandler newHandler(GrpcHttp2ConnectionHandler grpcHandler) {
        if (COMPOSITE_CUMULATOR) {
            // A 1 MiB DATA frame nearly always spans two socket reads. Netty's default (merge) cumulator then copies
            // every read into a new contiguous buffer (gRPC still holds slices of the previous one): a full extra
            // pass over the vector on the event loop. The composite cumulator keeps the reads as they are; the
            // payload of a frame that spans two reads reaches the decoder as two pieces (VectorChunk copies those
            // through a cache-sized block instead).
            grpcHandler.setCumulator(ByteToMessageDecoder.COMPOSITE_CUMULATOR);
        }
        ChannelHandler negotiation = plaintext.newHandler(grpcHandler);
        return new ChannelInboundHandlerAdapter() {
            private boolean announced;

            @Override
            public void handlerAdded(ChannelHandlerContext ctx) {
                ctx.pipeline().addAfter(ctx.name(), null, negotiation);
            }

            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                ctx.fireChannelRead(msg);
                if (!announced) {
                    ChannelHandlerContext grpc = ctx.pipeline().context(grpcHandler);
                    if (grpc != null && !grpcHandler.decoder().prefaceReceived() && ctx.channel().isActive()) {
                        return; // still negotiating (a TLS handshake): wait for the client's HTTP/2 preface
                    }
                    announced = true;
                    // By now the client preface was read and our initial SETTINGS sent: announce the larger frames.
                    if (grpc != null && ctx.channel().isActive()) {
                        grpcHandler.encoder().writeSettings(grpc, new Http2Settings().maxFrameSize(maxFrameSize),
                                grpc.newPromise());
                        grpc.flush();
                    }
                    ctx.pipeline().remove(this);
                }
            }
        };
    }

    @Override
    public void close() {
        plaintext.close();
    }
}
