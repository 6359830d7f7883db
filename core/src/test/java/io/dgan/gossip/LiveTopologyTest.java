package io.dgan.gossip;

import io.dgan.topology.MixingMatrix;
import io.dgan.topology.MixingSchedule;
import io.dgan.topology.Topologies;
import io.dgan.topology.TopologyEpoch;
import io.dgan.topology.TopologySpec;
import io.dgan.transport.InMemoryNetwork;
import org.junit.jupiter.api.Test;

import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** The switch rules of {@link LiveTopology} and the mixing during an uncoordinated switch. */
class LiveTopologyTest {
    private static final int M = 4;

    private static TopologyEpoch epoch(long e, String type, int... excluded) {
        return new TopologyEpoch(e, type, Topologies.create(TopologySpec.of(type, M)), 1, excluded);
    }

    @Test
    void onlyARemovalForThisRankIsAdoptedWithoutAgreement() {
        TopologyEpoch complete = epoch(1, "complete");
        TopologyEpoch ring = epoch(2, "ring");
        assertThat(LiveTopology.removalOnly(complete, ring, 0)).as("complete -> ring drops edges").isTrue();
        assertThat(LiveTopology.removalOnly(ring, complete, 0)).as("ring -> complete adds edges").isFalse();
        TopologyEpoch twoRounds = new TopologyEpoch(3, "ring", ring.schedule(), 2, new int[0]);
        assertThat(LiveTopology.removalOnly(ring, twoRounds, 0)).as("other gossip rounds").isFalse();
        // Cutting rank 2 out of the ring (folded: its edges' weight goes to the diagonals) is a removal for all.
        TopologyEpoch cut = ring.without(new int[] {2});
        for (int r = 0; r < M; r++) {
            assertThat(LiveTopology.removalOnly(ring, cut, r)).as("rank %d", r).isTrue();
        }
        // Taking it back is not, and neither is a rank that is a new process (memberSince after the epoch in force).
        assertThat(LiveTopology.removalOnly(cut, epoch(4, "ring"), 0)).isFalse();
        TopologyEpoch replaced = new TopologyEpoch(5, "ring", ring.schedule(), 1, new int[0],
                new long[] {0, 0, 5, 0});
        assertThat(replaced.joinersSince(ring)).containsExactly(2);
        assertThat(replaced.joinersSince(cut)).containsExactly(2);
        assertThat(replaced.joinersSince(replaced)).isEmpty();
        assertThat(LiveTopology.removalOnly(ring, replaced.without(replaced.joinersSince(ring)), 1)).isTrue();
    }

    @Test
    void foldingRanksOutKeepsWSymmetricAndDoublyStochastic() {
        TopologyEpoch cut = epoch(1, "complete").without(new int[] {1, 3});
        double[][] w = cut.schedule().at(1).toArray();
        for (int i = 0; i < M; i++) {
            double row = 0;
            double col = 0;
            for (int j = 0; j < M; j++) {
                row += w[i][j];
                col += w[j][i];
                assertThat(w[i][j]).isEqualTo(w[j][i]);
            }
            assertThat(row).isCloseTo(1, within(1e-12));
            assertThat(col).isCloseTo(1, within(1e-12));
        }
        assertThat(cut.excluded()).containsExactly(1, 3);
        assertThat(cut.members()).containsExactly(0, 2);
        assertThat(w[1][1]).isEqualTo(1.0);
        assertThat(w[0][2]).isEqualTo(0.25);
        assertThat(w[0][0]).isCloseTo(0.75, within(1e-12));
        assertThatThrownBy(() -> new TopologyEpoch(1, "ring", Topologies.create(TopologySpec.of("ring", M)), 1,
                new int[] {2})).hasMessageContaining("excluded rank 2 still has neighbours");
    }

    /**
     * Complete → ring switched without coordination: ranks 0 and 1 switch on their own before iterations 3 and 5;
     * ranks 2 and 3 switch inside a receive blocked on a neighbour that dropped them. Nobody deadlocks; every rank
     * mixes with exactly its old or its new row; during the mixed iterations the average moves by
     * (1/n) Σ_j (c_j − 1)(x_j − x̄) (c_j: column sums of the W actually used), within the bound
     * max|c_j − 1|·max‖x_j − x̄‖; once all switched it stays put.
     */
    @Test
    void anUncoordinatedRemovalMixesWithOldOrNewRowsAndMovesTheAverageWithinTheBound() throws Exception {
        MixingSchedule complete = Topologies.create(TopologySpec.of("complete", M));
        MixingSchedule ring = Topologies.create(TopologySpec.of("ring", M));
        int iterations = 8;
        long[] ownSwitch = {3, 5, Long.MAX_VALUE, Long.MAX_VALUE};
        float[][][] history = new float[M][iterations + 1][];
        java.util.concurrent.atomic.AtomicLongArray switchedAt = new java.util.concurrent.atomic.AtomicLongArray(M);
        InMemoryNetwork network = new InMemoryNetwork(M, java.time.Duration.ofSeconds(30));
        ExecutorService pool = Executors.newFixedThreadPool(M);
        try {
            List<Future<?>> runs = new ArrayList<>();
            for (int r = 0; r < M; r++) {
                int rank = r;
                runs.add(pool.submit(() -> {
                    FloatBuffer x = FloatBuffer.wrap(new float[] {rank * 1.5f, -rank, rank * rank * 0.25f});
                    Gossip g = new Gossip(network.transport(rank), complete, List.of(x), 1, 0);
                    long[] current = {0};
                    // As LiveTopology does once the file shows the ring: stop waiting for a peer that left the row
                    // (here: a peer that switched and no longer has this rank as a neighbour).
                    g.waitHook(peer -> {
                        long theirs = switchedAt.get(peer);
                        boolean dropped = theirs != 0 && theirs <= current[0]
                                && java.util.Arrays.stream(ring.at(1).neighbours(peer)).noneMatch(j -> j == rank);
                        if (switchedAt.get(rank) == 0 && dropped) {
                            switchedAt.set(rank, current[0]);
                            g.setTopology(2, ring);
                            return true;
                        }
                        return false;
                    });
                    history[rank][0] = x.array().clone();
                    for (long k = 1; k <= iterations; k++) {
                        current[0] = k;
                        if (k == ownSwitch[rank] && switchedAt.get(rank) == 0) {
                            switchedAt.set(rank, k);
                            g.setTopology(2, ring);
                        }
                        g.run(k);
                        history[rank][(int) k] = x.array().clone();
                    }
                    return null;
                }));
            }
            for (Future<?> f : runs) {
                f.get(2, TimeUnit.MINUTES);
            }
        } finally {
            pool.shutdownNow();
            network.close();
        }
        // 2 blocked on 0 at 3 (0 dropped it), 3 blocked on 1 at 5 (1 dropped it)
        assertThat(new long[] {switchedAt.get(0), switchedAt.get(1), switchedAt.get(2), switchedAt.get(3)})
                .containsExactly(3, 5, 3, 5);
        for (int k = 1; k <= iterations; k++) {
            double[][] w = new double[M][];
            for (int r = 0; r < M; r++) {
                MixingMatrix row = k >= switchedAt.get(r) ? ring.at(k) : complete.at(k);
                w[r] = row.toArray()[r];
                for (int i = 0; i < 3; i++) {
                    double expected = 0;
                    for (int j = 0; j < M; j++) {
                        expected += w[r][j] * history[j][k - 1][i];
                    }
                    assertThat((double) history[r][k][i]).as("rank %d iteration %d", r, k)
                            .isCloseTo(expected, within(1e-5));
                }
            }
            double maxColumnError = 0;
            double[] c = new double[M];
            for (int j = 0; j < M; j++) {
                for (int r = 0; r < M; r++) {
                    c[j] += w[r][j];
                }
                maxColumnError = Math.max(maxColumnError, Math.abs(c[j] - 1));
            }
            double maxSpread = 0;
            for (int i = 0; i < 3; i++) {
                double before = mean(history, k - 1, i);
                double after = mean(history, k, i);
                double predicted = 0;
                for (int j = 0; j < M; j++) {
                    predicted += (c[j] - 1) * (history[j][k - 1][i] - before) / M;
                    maxSpread = Math.max(maxSpread, Math.abs(history[j][k - 1][i] - before));
                }
                assertThat(after - before).as("drift at %d, coordinate %d", k, i).isCloseTo(predicted, within(1e-5));
                assertThat(Math.abs(after - before)).isLessThanOrEqualTo(maxColumnError * maxSpread + 1e-5);
                if (k < 3 || k > 5) {
                    assertThat(after - before).as("doubly stochastic at %d", k).isCloseTo(0, within(1e-5));
                }
            }
            if (k == 3 || k == 4) {
                assertThat(maxColumnError).as("mixed rows at %d", k).isGreaterThan(0.01);
            }
        }
    }

    private static double mean(float[][][] h, int k, int i) {
        double s = 0;
        for (float[][] rank : h) {
            s += rank[k][i];
        }
        return s / h.length;
    }
}
