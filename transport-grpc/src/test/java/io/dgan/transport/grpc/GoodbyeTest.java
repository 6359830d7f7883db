package io.dgan.transport.grpc;

import io.dgan.transport.MessageTag;
import io.dgan.transport.TransportException;
import io.dgan.transport.WaitHook;
import org.junit.jupiter.api.Test;

import java.nio.FloatBuffer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A worker that stops tells the peers it talked to (a goodbye after its last pushes were acknowledged): a peer
 * waiting for one of its vectors stops waiting at once instead of after its receive timeout, unless it follows a
 * live topology in which the rank may be cut out or replaced (then it keeps waiting, says so once, and a new process
 * under that rank is heard again).
 */
class GoodbyeTest {
    private static final MessageTag SENT = new MessageTag(0, 1, 0, 0);
    private static final MessageTag NEVER_SENT = new MessageTag(0, 2, 0, 0);

    @Test
    void aReceiveFromAPeerThatClosedFailsAtOnceAfterItsLastVectorArrived() {
        try (TransportPair pair = TransportPair.start(2, b -> b.vectorLengths(4)
                .receiveTimeout(Duration.ofSeconds(60)))) {
            GrpcTransport leaving = pair.get(0);
            GrpcTransport staying = pair.get(1);
            leaving.awaitPeers(List.of(1));
            leaving.send(1, SENT, FloatBuffer.wrap(new float[] {1, 2, 3, 4}));
            leaving.close();

            // What it sent before it left still arrives.
            FloatBuffer got = FloatBuffer.allocate(4);
            staying.receive(0, SENT, got);
            assertThat(got.array()).containsExactly(1, 2, 3, 4);
            // What it never sent is not waited for until the receive timeout (60 s).
            long t0 = System.nanoTime();
            assertThatThrownBy(() -> staying.receive(0, NEVER_SENT, FloatBuffer.allocate(4)))
                    .isInstanceOf(TransportException.class)
                    .hasMessageContaining("rank 0 stopped and will send nothing more")
                    .hasMessageContaining("will not come");
            assertThat((System.nanoTime() - t0) / 1e9).isLessThan(10);
        }
    }

    @Test
    void aRankAskedToStopSaysSoAndAWaitWithAHookEndsToo() {
        try (TransportPair pair = TransportPair.start(2, b -> b.vectorLengths(4)
                .receiveTimeout(Duration.ofSeconds(60)))) {
            pair.get(0).awaitPeers(List.of(1));
            pair.get(0).leave(GrpcTransport.Departure.STOPPED);
            long t0 = System.nanoTime();
            assertThatThrownBy(() -> pair.get(1).receive(0, NEVER_SENT, FloatBuffer.allocate(4), WaitHook.NEVER))
                    .hasMessageContaining("rank 0 was asked to stop and will send nothing more");
            assertThat((System.nanoTime() - t0) / 1e9).isLessThan(10);
        }
    }

    @Test
    void aRankWhoseTrainingDivergedSaysSoAndItsPeerStopsAsDivergedToo() {
        try (TransportPair pair = TransportPair.start(2, b -> b.vectorLengths(4)
                .receiveTimeout(Duration.ofSeconds(60)))) {
            pair.get(0).awaitPeers(List.of(1));
            pair.get(0).leave(GrpcTransport.Departure.DIVERGED);
            long t0 = System.nanoTime();
            io.dgan.transport.PeerDivergedException e = org.assertj.core.api.Assertions.catchThrowableOfType(
                    () -> pair.get(1).receive(0, NEVER_SENT, FloatBuffer.allocate(4)),
                    io.dgan.transport.PeerDivergedException.class);
            assertThat(e).isNotNull();
            assertThat(e.peer()).isZero();
            assertThat(e).hasMessageContaining("rank 0 diverged and will send nothing more");
            assertThat((System.nanoTime() - t0) / 1e9).isLessThan(10);
        }
    }

    @Test
    void aWorkerFollowingALiveTopologyKeepsWaitingAndHearsAReplacementProcess() throws Exception {
        List<String> log = new CopyOnWriteArrayList<>();
        try (TransportPair pair = TransportPair.start(2, b -> b.vectorLengths(4)
                        .receiveTimeout(Duration.ofSeconds(3)).awaitReplacements(true),
                r -> TransportListener.NONE, r -> r == 1 ? log::add : msg -> { })) {
            pair.get(0).awaitPeers(List.of(1));
            pair.get(0).leave(GrpcTransport.Departure.CLOSED);
            // The topology decides (here: nothing changes, so the receive timeout does).
            assertThatThrownBy(() -> pair.get(1).receive(0, NEVER_SENT, FloatBuffer.allocate(4)))
                    .hasMessageContaining("timed out after");
            assertThat(log).filteredOn(l -> l.contains("rank 0 stopped and will send nothing more; waiting for the "
                    + "topology to cut it out or replace it")).hasSize(1);

            // A new process under rank 0 (forgetPeer: the live topology welcomes it): its vectors are received.
            pair.get(1).forgetPeer(0);
            GrpcTransportConfig c = pair.get(0).config();
            int port0 = pair.get(0).port();
            int port1 = pair.get(1).port();
            pair.get(0).close();
            GrpcTransportConfig.Builder again = GrpcTransportConfig.builder(c.job, 0, 2).bindHost("127.0.0.1")
                    .port(port0).layoutHash(c.layoutHash).vectorLengths(4)
                    .callTimeout(Duration.ofSeconds(10)).receiveTimeout(Duration.ofSeconds(10))
                    .connectTimeout(Duration.ofSeconds(10));
            try (GrpcTransport replacement = new GrpcTransport(again.build(),
                    PeerDirectory.list(List.of("127.0.0.1:" + port0, "127.0.0.1:" + port1), 2), TransportListener.NONE, msg -> { })) {
                replacement.awaitPeers(List.of(1));
                replacement.send(1, NEVER_SENT, FloatBuffer.wrap(new float[] {5, 6, 7, 8}));
                FloatBuffer got = FloatBuffer.allocate(4);
                pair.get(1).receive(0, NEVER_SENT, got);
                assertThat(got.array()).containsExactly(5, 6, 7, 8);
            }
        }
    }
}
