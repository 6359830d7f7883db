package io.dgan.training;

import io.dgan.data.GaussianMixture;
import io.dgan.loss.AdversarialLoss;
import io.dgan.model.GanModel;
import io.dgan.model.GanModels;
import io.dgan.model.ModelNetwork;
import io.dgan.model.Shape;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.SplittableRandom;
import java.util.function.ToDoubleFunction;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Both players' gradients from one oracle call against central differences of their own losses, in double. */
class GanOracleTest {

    private static GanOracle oracle(String loss, DataType type, int rank) {
        GanModel m = GanModels.create("mlp", GanModels.mlpGenerator(4, 8, 2, 2), GanModels.mlpDiscriminator(2, 8, 2), 3, type);
        return new GanOracle(m, AdversarialLoss.parse(loss), GaussianMixture.ring8(), 16, 42, rank);
    }

    @Test
    void bceGradientsMatchFiniteDifferences() {
        checkGradients("bce");
    }

    @Test
    void hingeGradientsMatchFiniteDifferences() {
        checkGradients("hinge");
    }

    @Test
    void wganGpGradientsMatchFiniteDifferences() {
        checkGradients("wgan-gp");
    }

    /** R1 (at the real samples) and R2 (at the generated ones), through the whole oracle. */
    @Test
    void zeroCentredPenaltyGradientsMatchFiniteDifferences() {
        checkGradients("bce+r1");
        checkGradients("hinge+r2:1");
        checkGradients("wgan-gp:0+r1:5");
    }

    /**
     * Spectral norm on D: the oracle's gradients (G's through the normalised D; D's mapped back to the raw W) against
     * differences of the losses evaluated at the raw parameters. The power iteration is run to convergence first,
     * so that σ at the call (after its one step) and σ in evaluate (no step) agree.
     */
    @Test
    void spectralNormGradientsMatchFiniteDifferences() {
        for (String loss : new String[]{"bce", "wgan-gp"}) {
            GanModel m = GanModels.create("mlp+sn", GanModels.mlpGenerator(4, 8, 2, 2),
                    GanModels.mlpDiscriminator(2, 8, 2).withSpectralNorm(), 3, DataType.DOUBLE);
            for (int i = 0; i < 500; i++) {
                m.discriminator().spectralNorm().normalize(true);
                m.discriminator().spectralNorm().finish(false);
            }
            GanOracle o = new GanOracle(m, AdversarialLoss.parse(loss), GaussianMixture.ring8(), 16, 42, 1);
            assertThat(o.stateBuffers()).containsOnlyKeys("D.sn.u");
            // σ at the call and in evaluate differ by what 500 steps leave unconverged (~1e-9 relative).
            checkGradients(loss, o, 1e-7);
        }
    }

    @Test
    void wganWithoutPenaltyGradientsMatchFiniteDifferences() {
        checkGradients("wgan-gp:0");
    }

    @Test
    void reusingTheGeneratorPassForDsFakeGradientGivesTheTwoPassGradient() {
        // WGAN declares dL_D/dsFake = -dL_G/dsFake, so the oracle skips D's second pass over the fakes; the same loss
        // without that declaration takes the two-pass route. Same model, data and iteration: same gradients.
        for (String spec : new String[]{"wgan-gp", "wgan-gp:0"}) {
            AdversarialLoss wgan = AdversarialLoss.parse(spec);
            assertThat(wgan.fakeGradientRatio()).isEqualTo(-1);
            AdversarialLoss undeclared = new AdversarialLoss() {
                public String name() {
                    return "wgan-undeclared";
                }

                public double discriminator(double[] sReal, double[] sFake, double[] dReal, double[] dFake) {
                    return wgan.discriminator(sReal, sFake, dReal, dFake);
                }

                public double generator(double[] sFake, double[] dFake) {
                    return wgan.generator(sFake, dFake);
                }

                public double gradientPenaltyWeight() {
                    return wgan.gradientPenaltyWeight();
                }
            };
            assertThat(undeclared.fakeGradientRatio()).isNaN();
            GanOracle reuse = withLoss(wgan);
            GanOracle twoPass = withLoss(undeclared);
            reuse.computeGradients(9);
            twoPass.computeGradients(9);
            double[] a = reuse.model().discriminator().gradients().toDoubleVector();
            double[] b = twoPass.model().discriminator().gradients().toDoubleVector();
            double maxAbs = 0;
            for (int i = 0; i < a.length; i++) {
                assertThat(a[i]).as("%s D gradient %d", spec, i).isCloseTo(b[i], org.assertj.core.data.Offset.offset(1e-12));
                maxAbs = Math.max(maxAbs, Math.abs(b[i]));
            }
            assertThat(maxAbs).isGreaterThan(1e-3);
            assertThat(reuse.model().generator().gradients().toDoubleVector())
                    .containsExactly(twoPass.model().generator().gradients().toDoubleVector(), org.assertj.core.data.Offset.offset(1e-12));
            assertThat(reuse.lastLosses().discriminator())
                    .isCloseTo(twoPass.lastLosses().discriminator(), org.assertj.core.data.Offset.offset(1e-12));
        }
    }

    private static GanOracle withLoss(AdversarialLoss loss) {
        GanModel m = GanModels.create("mlp", GanModels.mlpGenerator(4, 8, 2, 2), GanModels.mlpDiscriminator(2, 8, 2), 3,
                DataType.DOUBLE);
        return new GanOracle(m, loss, GaussianMixture.ring8(), 16, 42, 1);
    }

    private static void checkGradients(String lossName) {
        checkGradients(lossName, oracle(lossName, DataType.DOUBLE, 1), 1e-9);
    }

    private static void checkGradients(String lossName, GanOracle o, double lossTolerance) {
        long k = 7;
        o.computeGradients(k);
        GanOracle.Losses atCall = o.lastLosses();
        ModelNetwork g = o.model().generator();
        ModelNetwork d = o.model().discriminator();
        double[] gradG = g.gradients().toDoubleVector();
        double[] gradD = d.gradients().toDoubleVector();
        GanOracle.Losses evaluated = o.evaluate(k);
        assertThat(evaluated.generator()).isCloseTo(atCall.generator(), org.assertj.core.data.Offset.offset(lossTolerance));
        assertThat(evaluated.discriminator()).isCloseTo(atCall.discriminator(), org.assertj.core.data.Offset.offset(lossTolerance));

        double errG = maxRelativeError(g, gradG, p -> o.evaluate(k).generator());
        double errD = maxRelativeError(d, gradD, p -> o.evaluate(k).discriminator());
        System.err.printf("oracle %s: G grad rel. error %.2g, D grad rel. error %.2g%n", lossName, errG, errD);
        assertThat(errG).isLessThan(1e-4);
        assertThat(errD).isLessThan(1e-3);
    }

    /** ‖analytic − fd‖/‖fd‖ over 12 parameters spread evenly through {@code net} (every layer gets some). */
    private static double maxRelativeError(ModelNetwork net, double[] analytic, ToDoubleFunction<Void> lossFn) {
        INDArray params = net.params();
        double diff = 0;
        double norm = 0;
        double h = 1e-6;
        for (int probe = 0; probe < 12; probe++) {
            int j = (int) ((long) probe * (analytic.length - 1) / 11);
            double keep = params.getDouble(j);
            params.putScalar(j, keep + h);
            double up = lossFn.applyAsDouble(null);
            params.putScalar(j, keep - h);
            double down = lossFn.applyAsDouble(null);
            params.putScalar(j, keep);
            double fd = (up - down) / (2 * h);
            diff += (fd - analytic[j]) * (fd - analytic[j]);
            norm += fd * fd;
        }
        assertThat(norm).isGreaterThan(0);
        return Math.sqrt(diff / norm);
    }

    @Test
    void sameSeedRankAndIterationGiveBitIdenticalGradients() {
        GanOracle a = oracle("wgan-gp", DataType.FLOAT, 2);
        GanOracle b = oracle("wgan-gp", DataType.FLOAT, 2);
        GanOracle other = oracle("wgan-gp", DataType.FLOAT, 3);
        assertThat(a.players()).hasSize(2);
        a.computeGradients(5);
        b.computeGradients(5);
        other.computeGradients(5);
        float[] ga = a.model().generator().gradients().toFloatVector();
        assertThat(ga).isEqualTo(b.model().generator().gradients().toFloatVector());
        assertThat(a.model().discriminator().gradients().toFloatVector())
                .isEqualTo(b.model().discriminator().gradients().toFloatVector());
        assertThat(ga).isNotEqualTo(other.model().generator().gradients().toFloatVector());
        b.computeGradients(6);
        assertThat(ga).isNotEqualTo(b.model().generator().gradients().toFloatVector());
    }

    @Test
    void mismatchedDataAndModelAreRejected() {
        GanModel m = GanModels.create("mlp", Shape.vector(2), 1);
        assertThatThrownBy(() -> new GanOracle(m, AdversarialLoss.parse("bce"),
                new io.dgan.data.DatasetShard(new io.dgan.data.ImageDataset("x", Shape.image(1, 2, 2), new byte[4], new int[1], 1), new int[]{0}),
                4, 1, 0)).hasMessageContaining("expects vector(2)");
        assertThat(GanOracle.noise(3, 2, new SplittableRandom(1), DataType.FLOAT).shape()).containsExactly(3, 2);
    }
}
