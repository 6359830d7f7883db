package io.dgan.optimizer;

import io.dgan.games.BilinearGame;
import io.dgan.games.Game;
import io.dgan.testing.Ranks;
import io.dgan.topology.Topologies;
import io.dgan.transport.InMemoryNetwork;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * DL4J hands the optimizer direct (off-heap) buffers; the games use heap arrays. The two code paths of every
 * kernel must give bit-identical parameters: run the same decentralized job both ways and compare bits.
 */
class DirectBufferTest {
    @ParameterizedTest
    @EnumSource(value = Algorithm.class, names = {"GDA", "DPOSG", "DP_OADAM", "CP_OADAM"})
    void directAndHeapBuffersGiveBitIdenticalParameters(Algorithm algorithm) {
        int m = 3;
        Game game = new BilinearGame(5, m, 0.3, 2);
        OptimizerConfig cfg = OptimizerConfig.builder(algorithm).learningRate(0.05).averageMoments(true).build();
        float[][][] heap = run(game, cfg, m, false);
        float[][][] direct = run(game, cfg, m, true);
        assertThat(direct).isDeepEqualTo(heap);
        assertThat(heap[0][0]).isNotEqualTo(game.initialPoint()[0]);
    }

    private static float[][][] run(Game game, OptimizerConfig cfg, int m, boolean direct) {
        float[][][] out = new float[m][][];
        try (InMemoryNetwork net = new InMemoryNetwork(m)) {
            Ranks.run(m, rank -> {
                GradientOracle oracle = direct ? new DirectOracle(game.oracle(rank)) : game.oracle(rank);
                DecentralizedOptimizer opt = Optimizers.create(cfg, oracle, net.transport(rank),
                        Topologies.create("ring", m));
                for (int k = 1; k <= 200; k++) {
                    opt.step(k);
                }
                out[rank] = SingleWorkerReferenceTest.paramsOf(opt);
            });
        }
        return out;
    }

    /** The same oracle seen through direct buffers (copied to and from the heap oracle around each call). */
    static final class DirectOracle implements GradientOracle {
        private final GradientOracle inner;
        private final List<Player> players;

        DirectOracle(GradientOracle inner) {
            this.inner = inner;
            this.players = inner.players().stream().map(p -> {
                FloatBuffer params = directFloats(p.length());
                params.put(0, p.params(), 0, p.length());
                return new Player(p.name(), params, directFloats(p.length()));
            }).toList();
        }

        private static FloatBuffer directFloats(int n) {
            return ByteBuffer.allocateDirect(4 * n).order(ByteOrder.nativeOrder()).asFloatBuffer();
        }

        @Override
        public List<Player> players() {
            return players;
        }

        @Override
        public void computeGradients(long iteration) {
            for (int p = 0; p < players.size(); p++) {
                Player mine = players.get(p);
                inner.players().get(p).params().put(0, mine.params(), 0, mine.length());
            }
            inner.computeGradients(iteration);
            for (int p = 0; p < players.size(); p++) {
                Player mine = players.get(p);
                mine.grads().put(0, inner.players().get(p).grads(), 0, mine.length());
            }
        }
    }
}
