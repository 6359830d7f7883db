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

/** The WGAN-GP ResNet (Gulrajani et al. 2017) built as a ComputationGraph behind the same ModelNetwork contract. */
class ResNetModelTest {
    private static final Shape CIFAR = Shape.image(3, 32, 32);

    /**
     * Parameter counts by hand (width 128, 3×3 convolutions, biases everywhere):
     * G: linear 128→2048 (264,192) + 3 up-blocks × (BN 256 + conv 147,584 + BN 256 + conv 147,584 + shortcut
     * 1×1 16,512 = 312,192) + BN 256 + conv 128→3 (3,459) = 1,204,483 trained, plus DL4J's running mean and log10
     * std of 7 BN layers (7 × 256 = 1,792) in the flat vector.
     * D: first block (3,584 + 147,584 + 512) + down block (2 × 147,584 + 16,512) + 2 plain blocks (2 × 295,168)
     * + linear 129 = 1,053,825. The paper's ~1.2M / ~1.05M.
     */
    @Test
    void parameterCountsMatchThePaper() {
        GanModel m = GanModels.create("resnet-wgan-gp", CIFAR, 1);
        assertThat(m.noiseDim()).isEqualTo(128);
        assertThat(m.generator().numParams()).isEqualTo(1_206_275);
        assertThat(m.generator().frozenParams()).isEqualTo(1_792);
        assertThat(m.generator().numParams() - m.generator().frozenParams()).isEqualTo(1_204_483);
        assertThat(m.discriminator().numParams()).isEqualTo(1_053_825);
        assertThat(m.discriminator().frozenParams()).isZero();

        // 28×28 (Fashion-MNIST): 7×7 start, two up-blocks; the critic's pooled features do not depend on the side.
        GanModel f = GanModels.create("resnet-wgan-gp", Shape.image(1, 28, 28), 1);
        assertThat(f.generator().numParams() - f.generator().frozenParams())
                .isEqualTo(128 * 6272 + 6272 + 2 * 312_192 + 256 + (128 * 9 + 1));
        // Only the first block's two convolutions that read the image change: 3 → 1 input channel.
        assertThat(f.discriminator().numParams()).isEqualTo(1_053_825 - 2 * 9 * 128 - 2 * 128);
    }

    @Test
    void layoutHashFollowsTheArchitectureDescription() {
        Architecture d = GanModels.resnetCritic(CIFAR, 128);
        assertThat(d.isGraph()).isTrue();
        assertThat(GanModels.resnetCritic(CIFAR, 128).layoutHash(DataType.FLOAT)).isEqualTo(d.layoutHash(DataType.FLOAT));
        assertThat(GanModels.resnetCritic(CIFAR, 64).layoutHash(DataType.FLOAT)).isNotEqualTo(d.layoutHash(DataType.FLOAT));
        Architecture otherBlock = new Architecture(d.name(), d.input(), List.of(
                new LayerSpec.ResBlock("first", 128, false), new LayerSpec.ResBlock("none", 128, false),
                new LayerSpec.ResBlock("none", 128, false), new LayerSpec.ResBlock("none", 128, false),
                new LayerSpec.Activation(LayerSpec.Act.RELU), new LayerSpec.GlobalMeanPool(),
                new LayerSpec.Dense(1, LayerSpec.Act.IDENTITY)), 0);
        assertThat(otherBlock.layoutHash(DataType.FLOAT)).isNotEqualTo(d.layoutHash(DataType.FLOAT));
        assertThat(d.withSpectralNorm().layoutHash(DataType.FLOAT)).isNotEqualTo(d.layoutHash(DataType.FLOAT));
        assertThat(d.layoutHash(DataType.DOUBLE)).isNotEqualTo(d.layoutHash(DataType.FLOAT));
        // The model pair's hash, as peers compare it.
        GanModel a = GanModels.create("resnet-wgan-gp", CIFAR, 1);
        GanModel b = GanModels.create("resnet-wgan-gp", CIFAR, 2);
        assertThat(a.layoutHash()).isEqualTo(b.layoutHash());
        assertThat(GanModels.create("resnet-wgan-gp+sn", CIFAR, 1).layoutHash()).isNotEqualTo(a.layoutHash());
        assertThat(GanModels.create("dcgan", CIFAR, 1).layoutHash()).isNotEqualTo(a.layoutHash());
    }

    @Test
    void rejectsImagesItCannotBuild() {
        assertThatThrownBy(() -> GanModels.create("resnet-wgan-gp", Shape.image(3, 30, 30), 1))
                .hasMessageContaining("multiple of 4");
        assertThatThrownBy(() -> GanModels.create("resnet-wgan-gp", Shape.vector(2), 1))
                .hasMessageContaining("resnet-wgan-gp");
    }

    /** A small critic and generator (8×8, width 4) with the same block structure, for fast checks. */
    static Architecture smallCritic(int channels) {
        return GanModels.resnetCritic(Shape.image(channels, 8, 8), 4);
    }

    @Test
    void flatVectorsAreLiveViewsOfTheGraph() {
        GanModel m = GanModels.create("small", GanModels.resnetGenerator(6, Shape.image(2, 8, 8), 4), smallCritic(2), 3);
        List<Player> players = m.players();
        INDArray z = Nd4j.rand(DataType.FLOAT, 5, 6);
        INDArray x = m.generator().forward(z, true).dup();
        assertThat(x.shape()).containsExactly(5, 2, 8, 8);
        INDArray s1 = m.discriminator().forward(x, true).dup();

        // Writing through the player's FloatBuffer changes what the graph computes.
        FloatBuffer dParams = players.get(1).params();
        assertThat(dParams.limit()).isEqualTo(m.discriminator().numParams());
        for (int i = 0; i < dParams.limit(); i++) {
            dParams.put(i, dParams.get(i) * 0.5f);
        }
        INDArray s2 = m.discriminator().forward(x, true).dup();
        assertThat(s2.equalsWithEps(s1, 1e-6)).isFalse();
        // Same parameters, same output (the change above came from the write, not from run-to-run noise).
        INDArray s3 = m.discriminator().forward(x, true).dup();
        assertThat(s3.equalsWithEps(s2, 0)).isTrue();

        // The backward pass writes into the player's gradient buffer, and it returns dScore/dInput.
        FloatBuffer dGrads = players.get(1).grads();
        for (int i = 0; i < dGrads.limit(); i++) {
            dGrads.put(i, Float.NaN);
        }
        m.discriminator().forward(x, true);
        INDArray gx = m.discriminator().backward(Nd4j.ones(DataType.FLOAT, 5, 1));
        assertThat(gx.shape()).containsExactly(5, 2, 8, 8);
        int nonZero = 0;
        for (int i = 0; i < dGrads.limit(); i++) {
            assertThat(Float.isNaN(dGrads.get(i))).isFalse();
            nonZero += dGrads.get(i) != 0 ? 1 : 0;
        }
        assertThat(nonZero).isGreaterThan(dGrads.limit() / 2);

        // G: BN running statistics get no gradient (the optimizer leaves them alone), γ/β and weights do.
        m.generator().forward(z, true);
        FloatBuffer gParams = players.get(0).params();
        float[] before = new float[gParams.limit()];
        gParams.get(0, before);
        m.generator().backward(gx);
        FloatBuffer gGrads = players.get(0).grads();
        int zeros = 0;
        for (int i = 0; i < gGrads.limit(); i++) {
            zeros += gGrads.get(i) == 0 ? 1 : 0;
        }
        // 8×8 from 1×1: three up-blocks with two BN layers each, plus the output BN: 7 × (mean, log10std) × 4 channels.
        assertThat(m.generator().frozenParams()).isEqualTo(7L * 2 * 4);
        assertThat(zeros).isGreaterThanOrEqualTo((int) m.generator().frozenParams()).isLessThan(gGrads.limit() / 4);
        float[] after = new float[gParams.limit()];
        gParams.get(0, after);
        // forward/backward leave the trained parameters alone and move the BN running statistics toward the batch's
        int changed = 0;
        for (int i = 0; i < after.length; i++) {
            if (after[i] != before[i]) {
                changed++;
                assertThat(gGrads.get(i)).isZero();
            }
        }
        assertThat(changed).isPositive().isLessThanOrEqualTo((int) m.generator().frozenParams());
    }

    /** dScore/dInput from the graph's spy vertex against central differences (double precision). */
    @Test
    void inputGradientMatchesFiniteDifferences() {
        ModelNetwork d = new ModelNetwork(smallCritic(1), 7, DataType.DOUBLE);
        Nd4j.getRandom().setSeed(3);
        INDArray x = Nd4j.rand(DataType.DOUBLE, 3, 1, 8, 8).subi(0.5);
        d.forward(x, true);
        INDArray g = d.backward(Nd4j.ones(DataType.DOUBLE, 3, 1)).dup();
        double h = 1e-6;
        double err = 0;
        double norm = 0;
        for (int i = 0; i < x.length(); i += 7) {
            double keep = x.getDouble(i);
            x.putScalar(i, keep + h);
            double up = d.forward(x, false).sumNumber().doubleValue();
            x.putScalar(i, keep - h);
            double down = d.forward(x, false).sumNumber().doubleValue();
            x.putScalar(i, keep);
            double fd = (up - down) / (2 * h);
            err += (fd - g.getDouble(i)) * (fd - g.getDouble(i));
            norm += fd * fd;
        }
        assertThat(norm).isGreaterThan(0);
        assertThat(Math.sqrt(err / norm)).isLessThan(1e-6);
    }
}
