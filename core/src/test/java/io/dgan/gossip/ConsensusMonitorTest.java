package io.dgan.gossip;

import io.dgan.games.QuadraticGame;
import io.dgan.optimizer.Algorithm;
import io.dgan.optimizer.DecentralizedOptimizer;
import io.dgan.optimizer.GradientOracle;
import io.dgan.optimizer.OptimizerConfig;
import io.dgan.optimizer.Optimizers;
import io.dgan.optimizer.Player;
import io.dgan.testing.Ranks;
import io.dgan.topology.Topologies;
import io.dgan.transport.InMemoryNetwork;
import io.dgan.transport.Transport;
import org.junit.jupiter.api.Test;

import java.nio.FloatBuffer;
import java.util.ArrayList;
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

    /**
     * The monitor runs between optimizer steps over the same transport: its messages must not collide with the
     * optimizers' own (cp-oadam's all-reduce, dposg's gossip), and it must agree with the in-process value.
     */
    @Test
    void monitorInterleavedWithOptimizerStepsOverTheSameTransport() {
        int m = 3;
        for (Algorithm a : new Algorithm[] {Algorithm.CP_OADAM, Algorithm.DPOSG}) {
            QuadraticGame game = new QuadraticGame(4, m, 0.5, 0.2, 1, 3);
            List<GradientOracle> oracles = new ArrayList<>();
            List<List<FloatBuffer>> params = new ArrayList<>();
            for (int r = 0; r < m; r++) {
                oracles.add(game.oracle(r));
                params.add(oracles.get(r).players().stream().map(Player::params).toList());
            }
            double[][] seen = new double[m][30];
            double[] inProcess = new double[1];
            try (InMemoryNetwork net = new InMemoryNetwork(m)) {
                Ranks.run(m, rank -> {
                    Transport t = net.transport(rank);
                    DecentralizedOptimizer opt = Optimizers.create(OptimizerConfig.builder(a).learningRate(0.02)
                            .build(), oracles.get(rank), t, Topologies.create("ring", m));
                    ConsensusMonitor monitor = new ConsensusMonitor(t, params.get(rank));
                    for (int k = 1; k <= 30; k++) {
                        opt.step(k);
                        seen[rank][k - 1] = monitor.distance(0, k);
                    }
                });
                inProcess[0] = ConsensusDistance.distance(params);
            }
            for (int r = 0; r < m; r++) {
                assertThat(seen[r]).isEqualTo(seen[0]);
            }
            if (a == Algorithm.CP_OADAM) {
                // identical workers: only the float rounding of the all-reduced mean remains (~ulp² · n)
                for (double d : seen[0]) {
                    assertThat(d).isLessThan(1e-12);
                }
            } else {
                assertThat(seen[0][29]).isPositive().isCloseTo(inProcess[0], within(1e-5 * inProcess[0]));
            }
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
