package io.dgan.topology;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class SparseMixingMatrixTest {
    @Test
    void roundTripsADenseArray() {
        double[][] w = {{0.5, 0.5, 0}, {0.5, 0.25, 0.25}, {0, 0.25, 0.75}};
        SparseMixingMatrix m = SparseMixingMatrix.fromArray(w);
        assertThat(m.toArray()).isEqualTo(w);
        assertThat(m.neighbours(1)).containsExactly(0, 2);
        assertThat(m.neighbours(0)).containsExactly(1);
        assertThat(m.neighbourWeights(1)).containsExactly(0.5, 0.25);
        assertThat(m.weight(0, 2)).isZero();
        assertThat(m.maxDegree()).isEqualTo(2);
    }

    @Test
    void rejectsAnAsymmetricMatrix() {
        assertThatThrownBy(() -> SparseMixingMatrix.fromArray(new double[][] {{0.5, 0.5}, {0.4, 0.6}}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not symmetric");
    }

    @Test
    void rejectsAMatrixWhoseRowsDoNotSumToOne() {
        assertThatThrownBy(() -> SparseMixingMatrix.fromArray(new double[][] {{0.5, 0.4}, {0.4, 0.5}}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not doubly stochastic: row 0");
    }

    @Test
    void rejectsNegativeWeightsAndRaggedRows() {
        assertThatThrownBy(() -> SparseMixingMatrix.fromArray(new double[][] {{1.5, -0.5}, {-0.5, 1.5}}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("is not in");
        assertThatThrownBy(() -> SparseMixingMatrix.fromArray(new double[][] {{1.0}, {0.5, 0.5}}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("row 0 must have 2 entries");
    }

    @Test
    void indexOutOfRangeIsNamed() {
        SparseMixingMatrix m = SparseMixingMatrix.fromArray(new double[][] {{1.0}});
        assertThatThrownBy(() -> m.neighbours(1)).isInstanceOf(IndexOutOfBoundsException.class)
                .hasMessageContaining("worker 1 out of range 0..0");
    }
}
