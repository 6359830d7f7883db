package io.dgan.topology;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** Independent checks of the mixing-matrix contract, done on the dense array (not through the class's validation). */
final class MixingMatrixChecks {
    private MixingMatrixChecks() {
    }

    static void assertValidMixingMatrix(MixingMatrix w) {
        double[][] a = w.toArray();
        int m = w.workers();
        assertThat(a).hasNumberOfRows(m);
        for (int i = 0; i < m; i++) {
            double row = 0.0;
            double col = 0.0;
            for (int j = 0; j < m; j++) {
                assertThat(a[i][j]).as("W[%d][%d] non-negative", i, j).isGreaterThanOrEqualTo(0.0);
                assertThat(a[i][j]).as("W[%d][%d] symmetric", i, j).isCloseTo(a[j][i], within(1e-12));
                assertThat(w.weight(i, j)).isEqualTo(a[i][j]);
                row += a[i][j];
                col += a[j][i];
            }
            assertThat(row).as("row %d sum", i).isCloseTo(1.0, within(1e-12));
            assertThat(col).as("column %d sum", i).isCloseTo(1.0, within(1e-12));
            int[] nb = w.neighbours(i);
            for (int k = 1; k < nb.length; k++) {
                assertThat(nb[k]).as("neighbours of %d ascending", i).isGreaterThan(nb[k - 1]);
            }
            int expectedDegree = 0;
            for (int j = 0; j < m; j++) {
                if (j != i && a[i][j] > 0) {
                    expectedDegree++;
                    assertThat(nb).contains(j);
                }
            }
            assertThat(nb).hasSize(expectedDegree).doesNotContain(i);
        }
    }
}
