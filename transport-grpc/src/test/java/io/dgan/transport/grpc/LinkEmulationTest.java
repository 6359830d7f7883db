package io.dgan.transport.grpc;

import io.dgan.transport.MessageTag;
import org.junit.jupiter.api.Test;

import java.nio.FloatBuffer;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LinkEmulationTest {
    @Test
    void parsesBandwidthsAndDelays() {
        assertThat(LinkEmulation.parseBandwidth("--emulate-bandwidth", "1gbit")).isEqualTo(125_000_000L);
        assertThat(LinkEmulation.parseBandwidth("--emulate-bandwidth", "100mbit")).isEqualTo(12_500_000L);
        assertThat(LinkEmulation.parseBandwidth("--emulate-bandwidth", "125MB")).isEqualTo(125_000_000L);
        assertThat(LinkEmulation.parseLatency("--emulate-latency", "50ms")).isEqualTo(Duration.ofMillis(50));
        assertThat(LinkEmulation.parseLatency("--emulate-latency", "100us")).isEqualTo(Duration.ofNanos(100_000));
        assertThatThrownBy(() -> LinkEmulation.parseBandwidth("--emulate-bandwidth", "fast"))
                .hasMessageStartingWith("--emulate-bandwidth");
        assertThatThrownBy(() -> LinkEmulation.parseLatency("--emulate-latency", "soon"))
                .hasMessageStartingWith("--emulate-latency");
    }

    @Test
    void latencyDelaysEveryMessageAndBandwidthPacesTheBytes() {
        // 100 ms per message; 2 MB/s per link: a 400 kB vector takes >= 200 ms to send.
        LinkEmulation emulation = new LinkEmulation(Duration.ofMillis(100), 2_000_000);
        try (TransportPair pair = TransportPair.start(2, b -> b.emulation(emulation).chunkBytes(64 << 10))) {
            pair.get(0).awaitPeers(java.util.List.of(1));
            FloatBuffer small = FloatBuffer.allocate(4);
            long t0 = System.nanoTime();
            pair.get(0).send(1, new MessageTag(0, 1, 0, 0), small);
            pair.get(1).receive(0, new MessageTag(0, 1, 0, 0), FloatBuffer.allocate(4));
            double smallSeconds = (System.nanoTime() - t0) / 1e9;
            assertThat(smallSeconds).isGreaterThanOrEqualTo(0.1).isLessThan(3.0);

            FloatBuffer big = GrpcTransportTest.randomVector(100_000, 1);
            FloatBuffer into = FloatBuffer.allocate(100_000);
            t0 = System.nanoTime();
            pair.get(0).send(1, new MessageTag(0, 2, 0, 0), big);
            double sendSeconds = (System.nanoTime() - t0) / 1e9;
            pair.get(1).receive(0, new MessageTag(0, 2, 0, 0), into);
            double totalSeconds = (System.nanoTime() - t0) / 1e9;
            assertThat(sendSeconds).isGreaterThanOrEqualTo(0.19);           // 400 kB at 2 MB/s, paced by the sender
            assertThat(totalSeconds).isGreaterThanOrEqualTo(0.29).isLessThan(5.0); // plus 100 ms latency
            GrpcTransportTest.assertBitIdentical(big, into);
        }
    }
}
