package io.dgan.model;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Batch norm in G: running statistics follow the training batches (outside the optimizer), and sampling uses them,
 * so a sample depends on its own noise only: the same noise gives the same image in a batch of 8 or of 64.
 */
class BatchNormTreatmentTest {
    @Test
    void samplingIsIndependentOfTheBatchAndRunningStatisticsTrack() {
        GanModel m = GanModels.create("dcgan-small", Shape.image(1, 28, 28), 3);
        ModelNetwork g = m.generator();
        Nd4j.getRandom().setSeed(1);
        INDArray z = Nd4j.randn(DataType.FLOAT, 64, m.noiseDim());
        INDArray first8 = z.get(NDArrayIndex.interval(0, 8), NDArrayIndex.all()).dup();

        // A few training passes move the running statistics (from their initial 0 / log10 std 0).
        float[] before = g.params().toFloatVector();
        for (int i = 0; i < 3; i++) {
            INDArray out = g.forward(z, true);
            g.backward(Nd4j.onesLike(out).muli(1e-3));
        }
        float[] after = g.params().toFloatVector();
        int moved = 0;
        for (int i = 0; i < after.length; i++) {
            moved += after[i] != before[i] ? 1 : 0;
        }
        assertThat(moved).isPositive().isLessThanOrEqualTo((int) g.frozenParams()); // only the running statistics

        INDArray alone = g.forward(first8, false).dup();
        INDArray inBatch = g.forward(z, false).get(NDArrayIndex.interval(0, 8)).dup();
        assertThat(alone.sub(inBatch).amaxNumber().doubleValue()).isLessThan(1e-5);
        // Training mode, with batch statistics, does depend on the rest of the batch.
        INDArray trainAlone = g.forward(first8, true).dup();
        INDArray trainInBatch = g.forward(z, true).get(NDArrayIndex.interval(0, 8)).dup();
        assertThat(trainAlone.sub(trainInBatch).amaxNumber().doubleValue()).isGreaterThan(1e-3);
    }
}
