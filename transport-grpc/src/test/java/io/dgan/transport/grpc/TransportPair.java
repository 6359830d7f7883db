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
            transports[r] = new GrpcTransport(tweak.apply(b).build(), PeerDirectory.list(List.of(addresses), workers),
                    TransportListener.NONE, msg -> { });
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
