package io.dgan.topology;

import static io.dgan.topology.MixingMatrixChecks.assertValidMixingMatrix;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class TopologiesTest {
    private static double rho(String type, int m) {
        return MixingAnalysis.of(Topologies.create(type, m)).rho();
    }

    static Stream<Arguments> everyValidTopology() {
        List<Arguments> cases = new ArrayList<>();
        for (int m = 1; m <= 40; m++) {
            for (TopologyType t : List.of(TopologyType.RING, TopologyType.EXPONENTIAL, TopologyType.COMPLETE,
                    TopologyType.RANDOM_RING, TopologyType.RANDOM_MATCHING)) {
                cases.add(Arguments.of(t, m));
            }
            if (Integer.bitCount(m) == 1) {
                cases.add(Arguments.of(TopologyType.HYPERCUBE, m));
                cases.add(Arguments.of(TopologyType.ONE_PEER_HYPERCUBE, m));
            }
        }
        for (int m : new int[] {4, 6, 8, 9, 12, 16, 18, 25, 36, 64}) {
            cases.add(Arguments.of(TopologyType.TORUS, m));
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0} on {1}")
    @MethodSource("everyValidTopology")
    void everyMatrixIsSymmetricDoublyStochasticAndTheTopologyMixes(TopologyType type, int m) {
        MixingSchedule schedule = Topologies.create(TopologySpec.of(type, m).withSeed(7));
        assertThat(schedule.workers()).isEqualTo(m);
        assertThat(schedule.type()).isEqualTo(type.cliName());
        for (long k = 1; k <= 15; k++) {
            assertValidMixingMatrix(schedule.at(k));
        }
        MixingAnalysis analysis = MixingAnalysis.of(schedule);
        assertThat(analysis.connected()).isTrue();
        assertThat(analysis.rho()).isBetween(0.0, 1.0 - 1e-9);
        assertThat(analysis.spectralGap()).isCloseTo(1.0 - analysis.rho(), within(1e-15));
    }

    @ParameterizedTest
    @ValueSource(ints = {2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 20, 23, 24, 31, 32})
    void ringRhoIsTheClosedForm(int m) {
        assertThat(rho("ring", m)).isCloseTo(Math.abs(1.0 / 3 + 2.0 / 3 * Math.cos(2 * Math.PI / m)), within(1e-6));
    }

    @Test
    void ringSpecialCases() {
        assertThat(Topologies.create("ring", 1).at(1).toArray()).isEqualTo(new double[][] {{1.0}});
        assertThat(rho("ring", 1)).isZero();
        double[][] two = Topologies.create("ring", 2).at(1).toArray();
        assertThat(two[0][0]).isCloseTo(1.0 / 3, within(1e-15));
        assertThat(two[0][1]).isCloseTo(2.0 / 3, within(1e-15));
        assertThat(two[1][0]).isCloseTo(2.0 / 3, within(1e-15));
        assertThat(rho("ring", 2)).isCloseTo(1.0 / 3, within(1e-12));
        double[][] three = Topologies.create("ring", 3).at(1).toArray();
        for (double[] row : three) {
            assertThat(row).containsOnly(1.0 / 3);
        }
        assertThat(rho("ring", 3)).isCloseTo(0.0, within(1e-12));
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 4, 5, 6, 7})
    void hypercubeRhoIsOneMinusTwoOverDimensionPlusOne(int d) {
        int m = 1 << d;
        assertThat(rho("hypercube", m)).isCloseTo(1.0 - 2.0 / (d + 1), within(1e-6));
        assertThat(Topologies.create("hypercube", m).at(1).neighbours(0)).hasSize(d);
    }

    @Test
    void hypercubeOnOneWorkerDoesNotCommunicate() {
        assertThat(Topologies.create("hypercube", 1).at(1).toArray()).isEqualTo(new double[][] {{1.0}});
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 5, 10, 33})
    void completeGraphAveragesExactly(int m) {
        assertThat(rho("complete", m)).isCloseTo(0.0, within(1e-6));
        assertThat(Topologies.create("complete", m).at(1).weight(0, m - 1)).isEqualTo(1.0 / m);
    }

    @Test
    void torusRhoMatchesTheClosedForms() {
        assertThat(rho("torus", 16)).isCloseTo(0.6, within(1e-6));
        assertThat(rho("torus", 64)).isCloseTo((3 + Math.sqrt(2)) / 5, within(1e-6));
        // 3×4 torus: eigenvalues (1 + 2cos(2πa/3) + 2cos(2πb/4))/5; largest non-trivial a=0,b=1 → 3/5,
        // smallest a=1,b=2 → (1 − 1 − 2)/5 = −2/5.
        assertThat(rho("torus", 12)).isCloseTo(0.6, within(1e-6));
    }

    @Test
    void torusShapeIsTheMostSquareUnlessGiven() {
        MixingMatrix w = Topologies.create("torus", 12).at(1); // 3 rows × 4 columns
        assertThat(w.neighbours(0)).containsExactly(1, 3, 4, 8);
        MixingMatrix tall = Topologies.create(TopologySpec.of("torus", 12).withTorusRows(2)).at(1); // 2 × 6
        // The ±1 row neighbours coincide on a 2-row side: one neighbour with weight 2/5.
        assertThat(tall.neighbours(0)).containsExactly(1, 5, 6);
        assertThat(tall.weight(0, 6)).isCloseTo(0.4, within(1e-15));
        assertThat(tall.weight(0, 1)).isCloseTo(0.2, within(1e-15));
        MixingMatrix twoByTwo = Topologies.create("torus", 4).at(1);
        assertThat(twoByTwo.toArray()[0]).containsExactly(0.2, 0.4, 0.4, 0.0);
    }

    @ParameterizedTest
    @ValueSource(ints = {2, 3, 5, 8, 12, 16, 21, 32})
    void exponentialGraphRhoMatchesTheCirculantEigenvalues(int m) {
        MixingMatrix w = Topologies.create("exponential", m).at(1);
        int[] offsets = w.neighbours(0); // neighbours of 0 are exactly the offsets
        for (int i = 0; i < m; i++) {
            assertThat(w.neighbours(i)).hasSize(offsets.length);
        }
        for (int hop = 1; hop < m; hop <<= 1) {
            assertThat(offsets).contains(hop % m, (m - hop) % m);
        }
        double expected = 0.0;
        for (int k = 1; k < m; k++) {
            double lambda = 1.0;
            for (int o : offsets) {
                lambda += Math.cos(2 * Math.PI * k * o / m);
            }
            expected = Math.max(expected, Math.abs(lambda / (offsets.length + 1)));
        }
        assertThat(MixingAnalysis.rho(w)).isCloseTo(expected, within(1e-6));
    }

    @ParameterizedTest
    @ValueSource(ints = {2, 4, 8, 16, 32, 64})
    void onePeerHypercubeProductOverItsPeriodIsExactAveraging(int m) {
        MixingSchedule schedule = Topologies.create("one-peer-hypercube", m);
        int d = Integer.numberOfTrailingZeros(m);
        assertThat(schedule.period()).isEqualTo(d);
        for (int start = 1; start <= d; start++) {
            List<MixingMatrix> rounds = new ArrayList<>();
            for (int k = start; k < start + d; k++) {
                rounds.add(schedule.at(k));
            }
            double[][] product = MixingAnalysis.product(rounds);
            for (double[] row : product) {
                for (double v : row) {
                    assertThat(v).isEqualTo(1.0 / m); // exact, not approximately
                }
            }
        }
        if (m >= 4) {
            assertThat(Connectivity.isConnected(schedule.at(1))).isFalse();
            assertThat(Connectivity.components(schedule.at(1))).hasSize(m / 2);
        }
        assertThat(MixingAnalysis.of(schedule).rho()).isCloseTo(0.0, within(1e-12)); // M = 2: eigensolver round-off
        // Round k pairs i with i xor 2^(k mod d).
        assertThat(schedule.at(1).neighbours(0)).containsExactly(d == 1 ? 1 : 2);
    }

    @Test
    void randomRingIsDeterministicForASeedAndChangesEveryIteration() {
        MixingSchedule a = Topologies.create(TopologySpec.of("random-ring", 16).withSeed(42));
        MixingSchedule b = Topologies.create(TopologySpec.of("random-ring", 16).withSeed(42));
        MixingSchedule other = Topologies.create(TopologySpec.of("random-ring", 16).withSeed(43));
        for (long k = 1; k <= 20; k++) {
            assertThat(a.at(k).toArray()).isEqualTo(b.at(k).toArray());
            assertThat(a.at(k).toArray()).isNotEqualTo(a.at(k + 1).toArray());
            assertThat(a.at(k).toArray()).isNotEqualTo(other.at(k).toArray());
            assertThat(Connectivity.isConnected(a.at(k))).isTrue();
            for (int i = 0; i < 16; i++) {
                assertThat(a.at(k).neighbours(i)).hasSize(2);
                assertThat(a.at(k).weight(i, i)).isEqualTo(1.0 / 3);
            }
        }
        assertThat(a.period()).isZero();
    }

    @Test
    void seededPermutationIsFrozen() {
        // The permutation is part of the wire protocol: workers in different JVMs must agree. These values pin
        // SplittableRandom(42 + 1) + Fisher–Yates as specified in SeededPermutation; a change here breaks mixed
        // versions of workers.
        assertThat(SeededPermutation.of(8, 42, 1)).containsExactly(2, 4, 7, 6, 0, 1, 3, 5);
        assertThat(SeededPermutation.of(8, 42, 2)).containsExactly(7, 5, 1, 3, 6, 0, 4, 2);
        // The ring of iteration 1 follows the permutation.
        MixingMatrix w = Topologies.create(TopologySpec.of("random-ring", 8).withSeed(42)).at(1);
        assertThat(w.neighbours(2)).containsExactly(4, 5);
        assertThat(w.neighbours(6)).containsExactly(0, 7);
    }

    @Test
    void seededPermutationIsAPermutation() {
        for (int m = 1; m <= 50; m++) {
            assertThat(SeededPermutation.of(m, -5, m)).containsExactlyInAnyOrder(IntStream.range(0, m).toArray());
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 5, 8, 9, 16})
    void randomMatchingPairsEveryoneButAnOddWorkerOut(int m) {
        MixingSchedule schedule = Topologies.create(TopologySpec.of("random-matching", m).withSeed(3));
        for (long k = 1; k <= 10; k++) {
            MixingMatrix w = schedule.at(k);
            int alone = 0;
            for (int i = 0; i < m; i++) {
                int[] nb = w.neighbours(i);
                assertThat(nb.length).isLessThanOrEqualTo(1);
                if (nb.length == 0) {
                    alone++;
                    assertThat(w.weight(i, i)).isEqualTo(1.0);
                } else {
                    assertThat(w.weight(i, i)).isEqualTo(0.5);
                    assertThat(w.neighbours(nb[0])).containsExactly(i);
                }
            }
            assertThat(alone).isEqualTo(m % 2);
        }
    }

    @Test
    void metropolisHastingsWeightsByHand() {
        // 0 — 1, 1 — 2, 1 — 3, 2 — 3: degrees 1, 3, 2, 2.
        MixingMatrix w = Topologies.create(TopologySpec.of("graph", 4)
                .withEdges(EdgeListParser.parse("0-1, 1-2; 3-1 2-3"))).at(1);
        double[][] expected = {
                {3.0 / 4, 1.0 / 4, 0, 0},
                {1.0 / 4, 1.0 / 4, 1.0 / 4, 1.0 / 4},
                {0, 1.0 / 4, 5.0 / 12, 1.0 / 3},
                {0, 1.0 / 4, 1.0 / 3, 5.0 / 12},
        };
        double[][] actual = w.toArray();
        for (int i = 0; i < 4; i++) {
            for (int j = 0; j < 4; j++) {
                assertThat(actual[i][j]).as("W[%d][%d]", i, j).isCloseTo(expected[i][j], within(1e-15));
            }
        }
        assertValidMixingMatrix(w);
    }

    @Test
    void userRingGraphEqualsTheBuiltInRing() {
        MixingMatrix user = Topologies.create(TopologySpec.of("graph", 5)
                .withEdges(EdgeListParser.parse("0-1,1-2,2-3,3-4,4-0,1-0"))).at(1);
        double[][] ring = Topologies.create("ring", 5).at(1).toArray();
        double[][] actual = user.toArray();
        for (int i = 0; i < 5; i++) {
            for (int j = 0; j < 5; j++) {
                assertThat(actual[i][j]).isCloseTo(ring[i][j], within(1e-15));
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"ring", "torus", "hypercube", "exponential", "complete"})
    void singularValueRhoOfOneRoundEqualsTheEigenvalueRho(String type) {
        MixingMatrix w = Topologies.create(type, 16).at(1);
        assertThat(MixingAnalysis.rhoPerRound(List.of(w))).isCloseTo(MixingAnalysis.rho(w), within(1e-9));
        // ρ per round of W repeated n times is ρ again (W − 11ᵀ/M is symmetric, so σ = |λ|).
        assertThat(MixingAnalysis.rhoPerRound(List.of(w, w, w))).isCloseTo(MixingAnalysis.rho(w), within(1e-9));
    }

    @Test
    void randomScheduleAnalysisUsesTheDocumentedWindow() {
        MixingAnalysis ring = MixingAnalysis.of(Topologies.create(TopologySpec.of("random-ring", 16).withSeed(1)));
        assertThat(ring.rounds()).isEqualTo(MixingAnalysis.RANDOM_WINDOW);
        assertThat(ring.period()).isZero();
        // A fresh random ring every round mixes much faster than the fixed ring (0.949 on 16 workers).
        assertThat(ring.rho()).isLessThan(rho("ring", 16) - 0.2);
        // On 4 workers any ring is the complement of a perfect matching; those commute and each has |λ| = 1/3
        // on the consensus-orthogonal subspace, so the product over any window has ρ per round exactly 1/3.
        MixingAnalysis four = MixingAnalysis.of(Topologies.create(TopologySpec.of("random-ring", 4).withSeed(9)));
        assertThat(four.rho()).isCloseTo(1.0 / 3, within(1e-6));
    }

    // ---- errors ----

    @Test
    void tooFewWorkers() {
        assertThatThrownBy(() -> Topologies.create("ring", 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("workers must be at least 1, got 0");
        assertThatThrownBy(() -> Topologies.create("random-ring", -3))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least 1, got -3");
    }

    @Test
    void unknownTypeListsTheValidOnes() {
        assertThatThrownBy(() -> Topologies.create("star", 4))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unknown topology type 'star'")
                .hasMessageContaining("ring, torus, hypercube, exponential, complete, one-peer-hypercube, "
                        + "random-ring, random-matching, graph");
    }

    @Test
    void hypercubeNeedsAPowerOfTwo() {
        assertThatThrownBy(() -> Topologies.create("hypercube", 6))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("hypercube needs a power of two workers, got 6");
        assertThatThrownBy(() -> Topologies.create("one-peer-hypercube", 12))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("one-peer-hypercube needs a power of two workers, got 12");
    }

    @Test
    void torusRejectsPrimesTinyCountsAndBadRows() {
        assertThatThrownBy(() -> Topologies.create("torus", 7))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("7 is prime");
        assertThatThrownBy(() -> Topologies.create("torus", 3))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least 4 workers");
        assertThatThrownBy(() -> Topologies.create(TopologySpec.of("torus", 12).withTorusRows(5)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("torus rows 5 must divide 12");
        assertThatThrownBy(() -> Topologies.create(TopologySpec.of("torus", 12).withTorusRows(12)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least 2 rows and 2 columns");
        assertThatThrownBy(() -> Topologies.create(TopologySpec.of("ring", 12).withTorusRows(3)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("rows are only used by the 'torus'");
    }

    @Test
    void badEdgesAreNamed() {
        assertThatThrownBy(() -> Topologies.create(TopologySpec.of("graph", 4).withEdges(EdgeListParser.parse("0-1,1-4"))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("graph edge 1-4 is out of range for 4 workers (valid indices 0..3)");
        assertThatThrownBy(() -> EdgeListParser.parse("0-1,2-2"))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("edge '2-2': edge 2-2 is a self loop");
        assertThatThrownBy(() -> EdgeListParser.parse("0-1,1-x"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("edge '1-x': expected two worker indices like 0-1");
        assertThatThrownBy(() -> EdgeListParser.parse("0-1-2"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("edge '0-1-2'");
        assertThatThrownBy(() -> EdgeListParser.parse(" , "))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("graph has no edges");
        assertThatThrownBy(() -> Topologies.create(TopologySpec.of("ring", 4).withEdges(List.of(new Edge(0, 1)))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("edges are only used by the 'graph'");
    }

    @Test
    void disconnectedGraphIsAnErrorNamingTheComponents() {
        assertThatThrownBy(() -> Topologies.create(TopologySpec.of("graph", 5).withEdges(EdgeListParser.parse("0-1,2-3,3-4"))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("graph is disconnected: 2 components {0,1} {2,3,4}");
        assertThatThrownBy(() -> Topologies.create(TopologySpec.of("graph", 4).withEdges(EdgeListParser.parse("0-1,1-2"))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("graph is disconnected: 2 components {0,1,2} {3}");
    }

    /**
     * The long-run per-round contraction of a random ring lies below the 12-round window's figure, and computed
     * over 1,000 rounds it agrees with the plain product over 20 rounds (where rounding does not yet dominate it) to within sampling noise;
     * for a static W it is ρ itself.
     */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(ints = {8, 16, 32})
    void longRunContractionOfARandomRingIsBelowTheWindowedOne(int m) {
        MixingSchedule schedule = Topologies.create("random-ring", m);
        MixingAnalysis a = MixingAnalysis.of(schedule);
        System.err.printf("random-ring M=%d: rho window(%d) %.3f, long run(%d) %.3f%n", m, a.rounds(), a.rho(),
                MixingAnalysis.LONG_RUN, a.rhoLongRun());
        assertThat(a.rhoLongRun()).isBetween(0.3, a.rho() - 0.02);
        java.util.List<MixingMatrix> twenty = new java.util.ArrayList<>();
        for (int k = 1; k <= 20; k++) {
            twenty.add(schedule.at(k));
        }
        assertThat(MixingAnalysis.rhoLongRun(schedule, 1, 20)).isCloseTo(MixingAnalysis.rhoPerRound(twenty), within(1e-6));
        MixingAnalysis ring = MixingAnalysis.of(Topologies.create("ring", m));
        assertThat(ring.rhoLongRun()).isEqualTo(ring.rho());
    }
}
