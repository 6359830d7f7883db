package io.dgan.operator.topology;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.data.Offset.offset;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Spectral figures against the design's table (algorithm.md) and the properties a rewire must keep. */
class TopologyPlannerTest {
    final TopologyPlanner planner = new TopologyPlanner();

    @Test
    void ringRhoMatchesTheClosedForm() {
        for (int m : new int[] {4, 8, 16, 32}) {
            TopologyPlan plan = planner.plan("Ring", m, 1, 0, 1, List.of());
            assertThat(plan.rho()).as("M=%d", m).isCloseTo(1.0 / 3 + 2.0 / 3 * Math.cos(2 * Math.PI / m), offset(1e-9));
            assertThat(plan.spectralGap()).isCloseTo(1 - plan.rho(), offset(1e-12));
        }
    }

    @Test
    void hypercubeTorusAndCompleteMatchTheTable() {
        assertThat(planner.plan("Hypercube", 8, 1, 0, 1, List.of()).rho()).isCloseTo(0.5, offset(1e-9));
        assertThat(planner.plan("Hypercube", 16, 1, 0, 1, List.of()).rho()).isCloseTo(0.6, offset(1e-9));
        assertThat(planner.plan("Torus", 16, 1, 0, 1, List.of()).rho()).isCloseTo(0.6, offset(1e-9));
        assertThat(planner.plan("Complete", 8, 1, 0, 1, List.of()).rho()).isCloseTo(0.0, offset(1e-9));
        assertThat(planner.plan("Complete", 8, 1, 0, 1, List.of()).weights()[2][5]).isCloseTo(1.0 / 8, offset(1e-12));
    }

    @Test
    void removingARankKeepsWSymmetricDoublyStochasticAndIsolatesIt() {
        TopologyPlan plan = planner.plan("Hypercube", 8, 1, 0, 2, List.of(5));
        double[][] w = plan.weights();
        assertThat(w[5][5]).isEqualTo(1.0);
        for (int i = 0; i < 8; i++) {
            double row = 0;
            for (int j = 0; j < 8; j++) {
                row += w[i][j];
                assertThat(w[i][j]).isEqualTo(w[j][i]);
                assertThat(w[i][j]).isGreaterThanOrEqualTo(0);
                if (i == 5 && j != 5) assertThat(w[i][j]).isZero();
            }
            assertThat(row).isCloseTo(1.0, offset(1e-12));
        }
        assertThat(plan.connected()).isTrue();
        assertThat(plan.epoch()).isEqualTo(2);
        assertThat(plan.spectralGap()).isBetween(0.0, 0.5); // fewer edges: no better than the full cube
    }

    @Test
    void aRingMissingTwoOppositeRanksIsDisconnected() {
        TopologyPlan plan = planner.plan("Ring", 8, 1, 0, 3, List.of(0, 4));
        assertThat(plan.connected()).isFalse();
        assertThat(plan.spectralGap()).isZero();
    }

    @Test
    void schedulesPublishTheirFirstIterationsGraph() {
        TopologyPlan pairing = planner.plan("OnePeerHypercube", 8, 1, 0, 1, List.of());
        for (double[] row : pairing.weights()) {
            assertThat(java.util.Arrays.stream(row).filter(x -> x == 0.5).count()).isEqualTo(2); // self and one peer
        }
        assertThat(pairing.connected()).isTrue(); // over its period of log2 M rounds
        assertThat(pairing.rho()).isCloseTo(0.0, offset(1e-9)); // the product of the rounds is exact averaging
        TopologyPlan randomRing = planner.plan("RandomRing", 8, 1, 42, 1, List.of());
        for (double[] row : randomRing.weights()) assertThat(java.util.Arrays.stream(row).sum()).isCloseTo(1, offset(1e-12));
        assertThat(randomRing.connected()).isTrue();
    }

    @Test
    void shapesThatCannotBeBuiltAreRejected() {
        assertThatThrownBy(() -> TopologyPlanner.schedule("Hypercube", 6, 0)).hasMessageContaining("power of two");
        assertThatThrownBy(() -> TopologyPlanner.schedule("Torus", 7, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> TopologyPlanner.schedule("Star", 8, 0)).hasMessageContaining("unknown topology");
    }
}
