package io.dgan.model;

import io.dgan.optimizer.Player;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.FloatBuffer;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class ModelNetworkTest {

    @Test
    void dcgan28HasTheExpectedParameterCountsAndShapes() {
        GanModel m = GanModels.create("dcgan", Shape.image(1, 28, 28), 1);
        // G: dense 100→6272 (633,472) + BN 128 + deconv 128→64 4×4 (131,136) + BN 64 + deconv 64→1 4×4 (1,025);
        // each BN holds γ, β (trained) and DL4J's running mean and log10 std (frozen): 4 × channels entries.
        assertThat(m.generator().numParams())
                .isEqualTo(100 * 6272 + 6272 + 4 * 128 + 128 * 64 * 16 + 64 + 4 * 64 + 64 * 16 + 1);
        assertThat(m.generator().frozenParams()).isEqualTo(2 * (128 + 64));
        assertThat(m.discriminator().frozenParams()).isZero();
        // DCGAN initialisation N(0, 0.02²) also in the graph form: the dense layer's 627,200 weights.
        INDArray w = m.generator().params().reshape(m.generator().numParams()).get(
                org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 100 * 6272));
        assertThat(w.stdNumber().doubleValue()).isCloseTo(0.02, within(0.0005));
        assertThat(w.meanNumber().doubleValue()).isCloseTo(0.0, within(0.0005));
        // D: conv 1→64 (1,088) + conv 64→128 (131,200) + dense 6272→1 (6,273)
        assertThat(m.discriminator().numParams()).isEqualTo(64 * 16 + 64 + 64 * 128 * 16 + 128 + 6272 + 1);
        INDArray z = Nd4j.randn(DataType.FLOAT, 3, 100);
        INDArray x = m.generator().forward(z, true);
        assertThat(x.shape()).containsExactly(3, 1, 28, 28);
        assertThat(x.maxNumber().doubleValue()).isLessThanOrEqualTo(1.0);
        INDArray s = m.discriminator().forward(x, true);
        assertThat(s.shape()).containsExactly(3, 1);
    }

    @Test
    void dcgan32ProducesRgbImages() {
        GanModel m = GanModels.create("dcgan", Shape.image(3, 32, 32), 1);
        INDArray x = m.generator().forward(Nd4j.randn(DataType.FLOAT, 2, 100), true);
        assertThat(x.shape()).containsExactly(2, 3, 32, 32);
        assertThat(m.discriminator().forward(x, true).shape()).containsExactly(2, 1);
    }

    @Test
    void playerBuffersAliasTheNetworksNativeParametersAndGradients() {
        GanModel m = GanModels.create("mlp", Shape.vector(2), 7);
        ModelNetwork d = m.discriminator();
        Player p = d.player("D");
        assertThat(p.length()).isEqualTo(d.numParams());
        INDArray x = Nd4j.rand(DataType.FLOAT, 4, 2);
        INDArray before = d.forward(x, false).dup();

        // Writing through the FloatBuffer changes what the network computes: no copy in between.
        FloatBuffer params = p.params();
        int last = params.limit() - 1; // the output bias (dense layers store W then b)
        params.put(last, params.get(last) + 0.5f);
        INDArray after = d.forward(x, false);
        for (int i = 0; i < 4; i++) {
            assertThat(after.getDouble(i, 0)).isCloseTo(before.getDouble(i, 0) + 0.5, within(1e-5));
        }
        // And writing the INDArray is visible in the buffer.
        d.params().putScalar(0, 3.25f);
        assertThat(params.get(0)).isEqualTo(3.25f);

        // The gradient buffer is the live gradient view that backward() fills.
        d.forward(x, true);
        d.backward(Nd4j.ones(DataType.FLOAT, 4, 1));
        FloatBuffer g = p.grads();
        assertThat(g.get(g.limit() - 1)).isEqualTo(4.0f); // d(sum of outputs)/d(output bias) = batch size
        assertThat(d.gradients().getFloat(d.numParams() - 1)).isEqualTo(4.0f);
    }

    @Test
    void convLayersStoreBiasBeforeWeights() {
        Architecture a = new Architecture("t", Shape.image(1, 4, 4),
                List.of(new LayerSpec.Conv(2, 3, 1, LayerSpec.Act.IDENTITY), new LayerSpec.Dense(1, LayerSpec.Act.IDENTITY)), 0);
        ModelNetwork n = new ModelNetwork(a, 3, DataType.FLOAT);
        INDArray b = n.network().getLayer(0).getParam("b");
        b.assign(7f);
        assertThat(n.params().getFloat(0)).isEqualTo(7f);
        assertThat(n.params().getFloat(1)).isEqualTo(7f);
        assertThat(n.params().getFloat(2)).isNotEqualTo(7f);
    }

    @Test
    void backwardReturnsTheInputGradient() {
        ModelNetwork d = new ModelNetwork(GanModels.mlpDiscriminator(3, 8, 2), 5, DataType.DOUBLE);
        INDArray x = Nd4j.rand(DataType.DOUBLE, 2, 3);
        d.forward(x, true);
        INDArray gx = d.backward(Nd4j.ones(DataType.DOUBLE, 2, 1)).dup();
        double h = 1e-6;
        for (int i = 0; i < 3; i++) {
            INDArray xp = x.dup();
            xp.putScalar(0, i, x.getDouble(0, i) + h);
            INDArray xm = x.dup();
            xm.putScalar(0, i, x.getDouble(0, i) - h);
            double fd = (d.forward(xp, false).getDouble(0, 0) - d.forward(xm, false).getDouble(0, 0)) / (2 * h);
            assertThat(gx.getDouble(0, i)).isCloseTo(fd, within(1e-6));
        }
    }

    @Test
    void layoutHashIdentifiesTheArchitecture() {
        Architecture a = GanModels.mlpDiscriminator(2, 128, 2);
        assertThat(a.layoutHash(DataType.FLOAT)).isEqualTo(GanModels.mlpDiscriminator(2, 128, 2).layoutHash(DataType.FLOAT));
        assertThat(a.layoutHash(DataType.FLOAT)).isNotEqualTo(GanModels.mlpDiscriminator(2, 64, 2).layoutHash(DataType.FLOAT));
        assertThat(a.layoutHash(DataType.FLOAT)).isNotEqualTo(a.layoutHash(DataType.DOUBLE));
        GanModel m1 = GanModels.create("mlp", Shape.vector(2), 1);
        GanModel m2 = GanModels.create("mlp", Shape.vector(2), 2);
        assertThat(m1.layoutHash()).isEqualTo(m2.layoutHash()); // seeds change values, not layout
    }

    @Test
    void badModelRequestsNameTheProblem() {
        assertThatThrownBy(() -> GanModels.create("vae", Shape.vector(2), 1)).hasMessageContaining("--model");
        assertThatThrownBy(() -> GanModels.create("dcgan", Shape.vector(2), 1)).hasMessageContaining("square images");
        assertThatThrownBy(() -> GanModels.create("dcgan", Shape.image(1, 64, 64), 1)).hasMessageContaining("28x28 or 32x32");
    }
}
