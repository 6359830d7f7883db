package io.dgan.worker.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.dgan.topology.MixingMatrix;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The operator's sparse W (docs/worker-contract.md, {@code sparseWeights}) as the worker reads it. */
class TopologyFileSparseTest {
    static final Path FILE = Path.of("/etc/dgan/topology/topology.json");

    @Test
    void sparseRowsGiveTheSameWAsTheDenseArray() {
        // A 4-ring with rank 2 cut out: 0-1-(2)-3-0 leaves the path 1-0-3 with Metropolis–Hastings weights.
        String sparse = """
                {"epoch": 2, "type": "ring", "workers": 4, "gossipRounds": 1, "seed": 0, "excludedRanks": [2],
                 "sparseWeights": {"values": [0.3333333333333333, 0.5, 0.6666666666666667, 1.0],
                                   "rows": [[0, 0, 1, 0, 3, 0], [0, 0, 1, 2], [2, 3], [0, 0, 3, 2]]}}""";
        String dense = """
                {"epoch": 2, "type": "ring", "workers": 4, "gossipRounds": 1, "seed": 0, "excludedRanks": [2],
                 "weights": [[0.3333333333333333, 0.3333333333333333, 0, 0.3333333333333333],
                             [0.3333333333333333, 0.6666666666666667, 0, 0], [0, 0, 1.0, 0],
                             [0.3333333333333333, 0, 0, 0.6666666666666667]]}""";
        MixingMatrix a = TopologyFile.parse(sparse, FILE).schedule().at(1);
        MixingMatrix b = TopologyFile.parse(dense, FILE).schedule().at(1);
        for (int i = 0; i < 4; i++) {
            for (int j = 0; j < 4; j++) {
                assertThat(a.weight(i, j)).as("W[%d][%d]", i, j).isCloseTo(b.weight(i, j), within(0.0));
            }
        }
        assertThat(a.neighbours(2)).isEmpty();
        assertThat(TopologyFile.parse(sparse, FILE).toEpoch().epoch()).isEqualTo(2);
    }

    @Test
    void aBadSparseRowNamesTheFileAndTheField() {
        assertThatThrownBy(() -> TopologyFile.parse("""
                {"epoch": 1, "type": "ring", "workers": 2,
                 "sparseWeights": {"values": [0.5], "rows": [[0, 0, 1, 0], [0, 0, 1]]}}""", FILE))
                .hasMessage("--topology-file: " + FILE + ": sparseWeights.rows[1] must hold (rank, value index) pairs");
        assertThatThrownBy(() -> TopologyFile.parse("""
                {"epoch": 1, "type": "ring", "workers": 2,
                 "sparseWeights": {"values": [0.5], "rows": [[0, 0, 1, 4], [0, 0, 1, 0]]}}""", FILE))
                .hasMessageContaining("value index 4 is not in 0..0");
        assertThatThrownBy(() -> TopologyFile.parse("""
                {"epoch": 1, "type": "ring", "workers": 2}""", FILE))
                .hasMessageContaining("missing field 'sparseWeights'");
    }
}
