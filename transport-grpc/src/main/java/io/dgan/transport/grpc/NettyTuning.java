package io.dgan.transport.grpc;

import io.grpc.netty.shaded.io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.grpc.netty.shaded.io.netty.channel.ChannelOption;
import io.grpc.netty.shaded.io.netty.channel.WriteBufferWaterMark;

import java.util.function.BiConsumer;

/** The Netty socket options that matter for bulk vectors, applied alike to the server's and the client's channels. */
final class NettyTuning {
    private NettyTuning() {
    }

    static void apply(GrpcTransportConfig config, BiConsumer<ChannelOption<Object>, Object> option) {
        if (config.writeBufferHighWater > 0) {
            option.accept(cast(ChannelOption.WRITE_BUFFER_WATER_MARK),
                    new WriteBufferWaterMark(config.writeBufferHighWater / 2, config.writeBufferHighWater));
        }
        if (config.readBufferMax > 0) {
            option.accept(cast(ChannelOption.RCVBUF_ALLOCATOR),
                    new AdaptiveRecvByteBufAllocator(512, 64 << 10, Math.max(64 << 10, config.readBufferMax)));
        }
    }

    @SuppressWarnings("unchecked")
    private static ChannelOption<Object> cast(ChannelOption<?> option) {
        return (ChannelOption<Object>) option;
    }
}
