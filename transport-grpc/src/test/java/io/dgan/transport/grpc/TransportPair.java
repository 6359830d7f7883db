package io.dgan.transport.grpc;

import java.time.Duration;
import java.util.List;
import java.util.function.UnaryOperator;

/** Two (or more) real gRPC transports on loopback ports, for tests. */
final class TransportPair implements AutoCloseable {
    final GrpcTransport[] transports;

    private TransportPair(GrpcTransport[] transports) {
        this.transports = transports;
    }

    static TransportPair start(int workers, UnaryOperator<GrpcTransportConfig.Builder> tweak) {
        return start(workers, tweak, r -> TransportListener.NONE, r -> msg -> { });
    }

    /** As {@link #start(int, UnaryOperator)}, with each rank's listener and log. */
    static TransportPair start(int workers, UnaryOperator<GrpcTransportConfig.Builder> tweak,
                               java.util.function.IntFunction<TransportListener> listeners,
                               java.util.function.IntFunction<java.util.function.Consumer<String>> logs) {
        return start(workers, (r, b) -> tweak.apply(b), listeners, logs);
    }

    /** As above, with a per-rank tweak (e.g. each rank's own certificate). */
    static TransportPair start(int workers,
                               java.util.function.BiFunction<Integer, GrpcTransportConfig.Builder,
                                       GrpcTransportConfig.Builder> tweak,
                               java.util.function.IntFunction<TransportListener> listeners,
                               java.util.function.IntFunction<java.util.function.Consumer<String>> logs) {
        int[] ports = FreePorts.pick(workers);
        String[] addresses = new String[workers];
        for (int i = 0; i < workers; i++) {
            addresses[i] = "127.0.0.1:" + ports[i];
        }
        GrpcTransport[] transports = new GrpcTransport[workers];
        for (int r = 0; r < workers; r++) {
            GrpcTransportConfig.Builder b = GrpcTransportConfig.builder("test-job", r, workers)
                    .bindHost("127.0.0.1").port(ports[r]).layoutHash(0x1234_5678_9abcL)
                    .callTimeout(Duration.ofSeconds(10)).receiveTimeout(Duration.ofSeconds(10))
                    .connectTimeout(Duration.ofSeconds(10));
            transports[r] = new GrpcTransport(tweak.apply(r, b).build(),
                    PeerDirectory.list(List.of(addresses), workers), listeners.apply(r), logs.apply(r));
        }
        return new TransportPair(transports);
    }

    GrpcTransport get(int rank) {
        return transports[rank];
    }

    @Override
    public void close() {
        for (GrpcTransport t : transports) {
            t.close();
        }
    }
}
