package io.dgan.gossip;

import io.dgan.testing.Ranks;
import io.dgan.transport.InMemoryNetwork;
import org.junit.jupiter.api.Test;

import java.nio.FloatBuffer;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class ConsensusMonitorTest {
    @Test
    void allReducedDistanceMatchesTheInProcessOneOnEveryRank() {
        int m = 5;
        List<List<FloatBuffer>> blocks = GossipTest.randomBlocks(m, new int[] {6, 9}, false, 4);
        double expected = ConsensusDistance.distance(blocks);
        double[] got = new double[m];
        try (InMemoryNetwork net = new InMemoryNetwork(m)) {
            Ranks.run(m, rank -> got[rank] = new ConsensusMonitor(net.transport(rank), blocks.get(rank), 0)
                    .distance(0, 1));
        }
        for (int r = 0; r < m; r++) {
            assertThat(got[r]).isCloseTo(expected, within(expected * 1e-5)).isEqualTo(got[0]);
        }
    }

    @Test
    void identicalVectorsHaveZeroDistance() {
        int m = 3;
        List<List<FloatBuffer>> blocks = GossipTest.randomBlocks(1, new int[] {4}, false, 5);
        double[] got = new double[m];
        try (InMemoryNetwork net = new InMemoryNetwork(m)) {
            Ranks.run(m, rank -> {
                FloatBuffer mine = FloatBuffer.allocate(4);
                mine.put(blocks.get(0).get(0).duplicate());
                mine.clear();
                got[rank] = new ConsensusMonitor(net.transport(rank), List.of(mine), 0).distance(0, 1);
            });
        }
        assertThat(got).containsOnly(0.0);
    }
}
