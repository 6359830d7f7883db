package io.dgan.gossip;

import io.dgan.testing.DenseMixing;
import io.dgan.testing.Ranks;
import io.dgan.topology.MixingSchedule;
import io.dgan.transport.InMemoryNetwork;
import org.junit.jupiter.api.Test;

import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class GossipTest {
    /** Complete W with 1/4 weights on small integers: every product and sum is exact, so one round is the mean. */
    @Test
    void completeGraphGivesTheExactAverageInOneRound() {
        int m = 4;
        List<List<FloatBuffer>> blocks = randomBlocks(m, new int[] {5, 3}, true, 1);
        double[][] mean = ConsensusDistance.average(blocks);
        assertThat(ConsensusDistance.distance(blocks)).isPositive();
        gossip(blocks, DenseMixing.fixed("complete", DenseMixing.complete(m)), 1, 1);
        for (int r = 0; r < m; r++) {
            for (int b = 0; b < 2; b++) {
                for (int i = 0; i < mean[b].length; i++) {
                    assertThat(blocks.get(r).get(b).get(i)).isEqualTo((float) mean[b][i]);
                }
            }
        }
        assertThat(ConsensusDistance.distance(blocks)).isZero();
    }

    /** One round on a ring is y = W x, computed densely here; t rounds contract toward the preserved mean. */
    @Test
    void ringRoundsApplyWAndConvergeToTheMean() {
        int m = 6;
        List<List<FloatBuffer>> blocks = randomBlocks(m, new int[] {7}, false, 2);
        double[][] x0 = new double[m][7];
        for (int r = 0; r < m; r++) {
            for (int i = 0; i < 7; i++) {
                x0[r][i] = blocks.get(r).get(0).get(i);
            }
        }
        DenseMixing w = DenseMixing.ring(m);
        double before = ConsensusDistance.distance(blocks);
        gossip(blocks, DenseMixing.fixed("ring", w), 1, 1);
        for (int r = 0; r < m; r++) {
            for (int i = 0; i < 7; i++) {
                double expected = 0;
                for (int j = 0; j < m; j++) {
                    expected += w.weight(r, j) * x0[j][i];
                }
                assertThat((double) blocks.get(r).get(0).get(i)).isCloseTo(expected, within(1e-5));
            }
        }
        double[][] mean = ConsensusDistance.average(blocks);
        gossip(blocks, DenseMixing.fixed("ring", w), 60, 2);
        double after = ConsensusDistance.distance(blocks);
        assertThat(after).isLessThan(before * 1e-6);
        assertThat((double) blocks.get(3).get(0).get(2)).isCloseTo(mean[0][2], within(1e-4));
    }

    @Test
    void aRandomScheduleIsFollowedIdenticallyByAllRanks() {
        int m = 5;
        List<List<FloatBuffer>> blocks = randomBlocks(m, new int[] {4, 4}, false, 3);
        MixingSchedule schedule = DenseMixing.randomRing(m, 11);
        double before = ConsensusDistance.distance(blocks);
        for (int k = 1; k <= 20; k++) {
            gossip(blocks, schedule, 1, k);
        }
        assertThat(ConsensusDistance.distance(blocks)).isLessThan(before * 1e-3);
    }

    /**
     * The schedule advances every round: log₂M rounds of the one-peer hypercube in one iteration are the exact average
     * (integer data, ½–½ weights: exact in float), where repeating one pairing would only average pairs.
     */
    @Test
    void roundsWithinAnIterationWalkTheSchedule() {
        int m = 8;
        List<List<FloatBuffer>> blocks = randomBlocks(m, new int[] {6}, true, 4);
        double[][] mean = ConsensusDistance.average(blocks);
        gossip(blocks, io.dgan.topology.Topologies.create("one-peer-hypercube", m), 3, 5);
        for (int r = 0; r < m; r++) {
            for (int i = 0; i < 6; i++) {
                assertThat((double) blocks.get(r).get(0).get(i)).isCloseTo(mean[0][i], within(1e-4));
            }
        }
        assertThat(Gossip.scheduleIndex(1, 0, 1)).isEqualTo(1);
        assertThat(Gossip.scheduleIndex(7, 0, 1)).isEqualTo(7);
        assertThat(Gossip.scheduleIndex(2, 2, 3)).isEqualTo(6);
    }

    /** A random matching is idempotent (W² = W); with the schedule advancing, t = 3 contracts more than t = 1. */
    @Test
    void moreRoundsOfARandomMatchingAreNotWasted() {
        int m = 8;
        List<List<FloatBuffer>> one = randomBlocks(m, new int[] {16}, false, 5);
        List<List<FloatBuffer>> three = randomBlocks(m, new int[] {16}, false, 5);
        MixingSchedule schedule = io.dgan.topology.Topologies.create(
                io.dgan.topology.TopologySpec.of("random-matching", m));
        gossip(one, schedule, 1, 1);
        gossip(three, schedule, 3, 1);
        assertThat(ConsensusDistance.distance(three)).isLessThan(0.5 * ConsensusDistance.distance(one));
    }

    private static void gossip(List<List<FloatBuffer>> blocks, MixingSchedule schedule, int rounds, long k) {
        int m = blocks.size();
        try (InMemoryNetwork net = new InMemoryNetwork(m)) {
            Ranks.run(m, rank -> new Gossip(net.transport(rank), schedule, blocks.get(rank), rounds, 0).run(k));
            for (int r = 0; r < m; r++) {
                assertThat(net.pending(r)).isZero();
            }
        }
    }

    static List<List<FloatBuffer>> randomBlocks(int m, int[] lengths, boolean integers, long seed) {
        Random rnd = new Random(seed);
        List<List<FloatBuffer>> all = new ArrayList<>();
        for (int r = 0; r < m; r++) {
            List<FloatBuffer> mine = new ArrayList<>();
            for (int n : lengths) {
                FloatBuffer b = FloatBuffer.allocate(n);
                for (int i = 0; i < n; i++) {
                    b.put(i, integers ? rnd.nextInt(200) - 100 : (float) rnd.nextGaussian());
                }
                mine.add(b);
            }
            all.add(mine);
        }
        return all;
    }
}
