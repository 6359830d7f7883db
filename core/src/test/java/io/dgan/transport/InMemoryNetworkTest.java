package io.dgan.transport;

import org.junit.jupiter.api.Test;

import java.nio.FloatBuffer;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class InMemoryNetworkTest {
    private static final MessageTag A = new MessageTag(0, 7, 0, 0);
    private static final MessageTag B = new MessageTag(0, 7, 0, 1);

    @Test
    void receiveNeverConsumesAnotherTagsMessage() {
        try (InMemoryNetwork net = new InMemoryNetwork(2)) {
            Transport t0 = net.transport(0);
            Transport t1 = net.transport(1);
            t0.send(1, A, FloatBuffer.wrap(new float[] {1, 2}));
            t0.send(1, B, FloatBuffer.wrap(new float[] {3, 4}));
            FloatBuffer got = FloatBuffer.allocate(2);
            t1.receive(0, B, got);  // reverse order of sending
            assertThat(got.array()).containsExactly(3, 4);
            t1.receive(0, A, got);
            assertThat(got.array()).containsExactly(1, 2);
            assertThat(net.pending(1)).isZero();
        }
    }

    @Test
    void sendCopiesSoTheSenderMayReuseItsBufferAndOnlyPositionToLimitTravels() {
        try (InMemoryNetwork net = new InMemoryNetwork(2)) {
            float[] data = {9, 1, 2, 9};
            FloatBuffer src = FloatBuffer.wrap(data);
            src.position(1).limit(3);
            net.transport(0).send(1, A, src);
            data[1] = 100;
            assertThat(src.position()).isEqualTo(1);
            assertThat(src.limit()).isEqualTo(3);
            FloatBuffer dst = FloatBuffer.wrap(new float[] {-1, 0, 0});
            dst.position(1);
            net.transport(1).receive(0, A, dst);
            assertThat(dst.array()).containsExactly(-1, 1, 2);
            assertThat(dst.position()).isEqualTo(1);
        }
    }

    @Test
    void duplicateTagsAreDeliveredInOrder() {
        try (InMemoryNetwork net = new InMemoryNetwork(2)) {
            net.transport(1).send(0, A, FloatBuffer.wrap(new float[] {1}));
            net.transport(1).send(0, A, FloatBuffer.wrap(new float[] {2}));
            FloatBuffer got = FloatBuffer.allocate(1);
            net.transport(0).receive(1, A, got);
            assertThat(got.get(0)).isEqualTo(1f);
            net.transport(0).receive(1, A, got);
            assertThat(got.get(0)).isEqualTo(2f);
        }
    }

    @Test
    void timeoutNamesThePeerAndTheTag() {
        try (InMemoryNetwork net = new InMemoryNetwork(3, Duration.ofMillis(50))) {
            net.transport(1).send(0, B, FloatBuffer.allocate(1));  // another tag: must not satisfy the receive
            assertThatThrownBy(() -> net.transport(0).receive(1, A, FloatBuffer.allocate(1)))
                    .isInstanceOf(TransportException.class)
                    .hasMessageContaining("peer rank 1")
                    .hasMessageContaining(A.toString());
        }
    }

    @Test
    void lengthMismatchAndBadPeersAreErrors() {
        try (InMemoryNetwork net = new InMemoryNetwork(2)) {
            net.transport(0).send(1, A, FloatBuffer.allocate(3));
            assertThatThrownBy(() -> net.transport(1).receive(0, A, FloatBuffer.allocate(2)))
                    .isInstanceOf(TransportException.class).hasMessageContaining("3 floats, expected 2");
            assertThatThrownBy(() -> net.transport(0).send(0, A, FloatBuffer.allocate(1)))
                    .isInstanceOf(TransportException.class).hasMessageContaining("invalid peer rank 0");
            assertThatThrownBy(() -> net.transport(0).send(5, A, FloatBuffer.allocate(1)))
                    .isInstanceOf(TransportException.class).hasMessageContaining("invalid peer rank 5");
        }
    }

    @Test
    void blockedReceiveWakesWhenTheMessageArrivesFromAnotherThread() throws Exception {
        try (InMemoryNetwork net = new InMemoryNetwork(2)) {
            Thread sender = new Thread(() -> {
                try {
                    Thread.sleep(30);
                } catch (InterruptedException e) {
                    return;
                }
                net.transport(1).send(0, A, FloatBuffer.wrap(new float[] {42}));
            });
            sender.start();
            FloatBuffer got = FloatBuffer.allocate(1);
            net.transport(0).receive(1, A, got);
            assertThat(got.get(0)).isEqualTo(42f);
            sender.join();
        }
    }
}
