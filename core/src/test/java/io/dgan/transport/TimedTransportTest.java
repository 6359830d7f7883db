package io.dgan.transport;

import org.junit.jupiter.api.Test;

import java.nio.FloatBuffer;

import static org.assertj.core.api.Assertions.assertThat;

class TimedTransportTest {
    @Test
    void countsTimeBlockedInReceiveAndPassesMessagesThrough() throws Exception {
        try (InMemoryNetwork net = new InMemoryNetwork(2)) {
            TimedTransport timed = new TimedTransport(net.transport(0));
            Transport peer = net.transport(1);
            MessageTag tag = new MessageTag(0, 1, 0, 0);
            assertThat(timed.rank()).isZero();
            assertThat(timed.size()).isEqualTo(2);
            Thread sender = new Thread(() -> {
                try {
                    Thread.sleep(300);
                    peer.send(0, tag, FloatBuffer.wrap(new float[]{1, 2, 3}));
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            sender.start();
            FloatBuffer in = FloatBuffer.allocate(3);
            timed.receive(1, tag, in);
            sender.join();
            assertThat(in.array()).containsExactly(1, 2, 3);
            assertThat(timed.receiveNanos()).isGreaterThanOrEqualTo(200_000_000L);
            assertThat(timed.sendNanos()).isZero();

            timed.send(1, tag, FloatBuffer.wrap(new float[]{4, 5, 6}));
            FloatBuffer out = FloatBuffer.allocate(3);
            peer.receive(0, tag, out);
            assertThat(out.array()).containsExactly(4, 5, 6);
            assertThat(timed.sendNanos()).isPositive();
            long before = timed.receiveNanos();
            assertThat(timed.tryReceive(1, new MessageTag(0, 2, 0, 0), FloatBuffer.allocate(3))).isFalse();
            assertThat(timed.receiveNanos()).isGreaterThan(before);
        }
    }
}
