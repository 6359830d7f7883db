package io.dgan.transport.grpc;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dgan.transport.TransportException;
import io.grpc.Status;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Which failed pushes are the neighbour's (logged; its receive decides) and which are this worker's own. */
class PeerLinkFailureTest {
    @Test
    void aConnectionThatDiedUnderAPushIsTheNeighboursFailure() {
        List<String> log = new ArrayList<>();
        PeerLink link = new PeerLink(1, "127.0.0.1:1", GrpcTransportConfig.builder("job", 0, 2).build(),
                new TransportListener() { }, log::add);
        try {
            // A peer killed mid-push, seen through TLS: the call ends UNKNOWN "channel closed".
            link.recordFailure(Status.Code.UNKNOWN, "push of t to rank 1 failed: UNKNOWN channel closed");
            link.recordFailure(Status.Code.UNAVAILABLE, "push of t to rank 1 failed: UNAVAILABLE io exception");
            assertThatCode(link::throwIfFailed).doesNotThrowAnyException();
            link.recordFailure(Status.Code.UNKNOWN, "push of t to rank 1 failed: UNKNOWN stream reset by the server");
            assertThatThrownBy(link::throwIfFailed).isInstanceOf(TransportException.class).hasMessageContaining("stream reset");
            link.recordFailure(Status.Code.INTERNAL, "push of t to rank 1 failed: INTERNAL bad frame");
            assertThatThrownBy(link::throwIfFailed).hasMessageContaining("INTERNAL");
        } finally {
            link.channel.shutdownNow();
        }
    }
}
