package io.dgan.loss;

import io.dgan.model.Architecture;
import io.dgan.model.GanModels;
import io.dgan.model.ModelNetwork;
import io.dgan.model.Shape;
import io.dgan.model.SpectralNorm;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The penalties' parameter gradients against PyTorch double back-propagation on the same weights and points
 * (fixtures from scripts/gradient_penalty_fixtures.py): every shipped critic — the MLP (2-128-128-1, LeakyReLU),
 * dcgan-small's (28×28), the WGAN-GP ResNet critic (28×28, width 16 instead of 128 to keep the fixtures small; the
 * same blocks) — with and without spectral norm, batch 64, at initialisation and after 100 WGAN-GP training steps
 * (trained in PyTorch on the same architecture). Bound: 1e-3 relative over the whole gradient.
 */
class PenaltyReferenceTest {

    static List<String> cases() {
        List<String> out = new ArrayList<>();
        for (String critic : List.of("mlp", "dcgan-small", "resnet16")) {
            for (String sn : List.of("", "+sn")) {
                for (String stage : List.of("init", "trained")) {
                    out.add(critic + sn + "-" + stage);
                }
            }
        }
        return out;
    }

    static Architecture architecture(String name) {
        String critic = name.substring(0, name.lastIndexOf('-'));
        boolean sn = critic.endsWith("+sn");
        critic = GanModels.baseName(critic);
        Architecture a = switch (critic) {
            case "mlp" -> GanModels.mlpDiscriminator(2, 128, 2);
            case "dcgan-small" -> GanModels.dcganDiscriminator(Shape.image(1, 28, 28), 32);
            case "resnet16" -> GanModels.resnetCritic(Shape.image(1, 28, 28), 16);
            default -> throw new IllegalArgumentException(critic);
        };
        return sn ? a.withSpectralNorm() : a;
    }

    /** Runs {@code body} with the network's weights spectrally normalised (one power-iteration step), as training does. */
    static void normalised(ModelNetwork net, Runnable body) {
        SpectralNorm sn = net.spectralNorm();
        if (sn != null) {
            sn.normalize(true);
        }
        try {
            body.run();
        } finally {
            if (sn != null) {
                sn.finish(true);
            }
        }
    }

    static double[] penalty(String name, GradientPenalty.Kind kind, DataType type) throws IOException {
        Map<String, PenaltyFixtures.Tensor> fixture = PenaltyFixtures.read("/penalty/" + name + ".bin");
        ModelNetwork net = new ModelNetwork(architecture(name), 7, type);
        PenaltyFixtures.load(net, fixture);
        INDArray x = PenaltyFixtures.input(fixture, type);
        net.gradients().assign(0);
        double[] value = new double[1];
        GradientPenalty gp = new GradientPenalty(kind, 10);
        normalised(net, () -> value[0] = gp.addGradient(net, x));
        String prefix = kind == GradientPenalty.Kind.WGAN_GP ? "gp" : "r1";
        double rel = PenaltyFixtures.relativeError(net, fixture, prefix + ".grad");
        double ref = PenaltyFixtures.scalar(fixture, prefix + ".value");
        System.err.printf("%s %s %s: P %.6g (reference %.6g), gradient relative error %.3g%n",
                name, kind, type, value[0], ref, rel);
        return new double[]{value[0], ref, rel};
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void wganGpGradientMatchesDoubleBackprop(String name) throws IOException {
        double[] r = penalty(name, GradientPenalty.Kind.WGAN_GP, DataType.DOUBLE);
        assertThat(r[0]).isCloseTo(r[1], org.assertj.core.data.Percentage.withPercentage(1e-3));
        assertThat(r[2]).isLessThan(1e-3);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void r1GradientMatchesDoubleBackprop(String name) throws IOException {
        double[] r = penalty(name, GradientPenalty.Kind.R1, DataType.DOUBLE);
        assertThat(r[0]).isCloseTo(r[1], org.assertj.core.data.Percentage.withPercentage(1e-3));
        assertThat(r[2]).isLessThan(1e-3);
    }

    /** The training precision: float32 weights, points and passes against the float64 reference. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void wganGpGradientInFloat32(String name) throws IOException {
        assertThat(penalty(name, GradientPenalty.Kind.WGAN_GP, DataType.FLOAT)[2]).isLessThan(1e-3);
    }

    /**
     * The fixtures can tell a wrong gradient: the central difference of ∇θD along g that the exact passes replaced
     * (x̂ ± h·g, h = 1e-3/‖g‖, through D's ordinary forward and backward) misses the bound on the piecewise-linear
     * critics, whose units switch between the two points.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void fixturesRejectACentralDifference(String name) throws IOException {
        Map<String, PenaltyFixtures.Tensor> fixture = PenaltyFixtures.read("/penalty/" + name + ".bin");
        ModelNetwork net = new ModelNetwork(architecture(name), 7, DataType.DOUBLE);
        PenaltyFixtures.load(net, fixture);
        INDArray x = PenaltyFixtures.input(fixture, DataType.DOUBLE);
        normalised(net, () -> {
            int b = (int) x.size(0);
            net.forward(x, true);
            INDArray g = net.backward(Nd4j.ones(DataType.DOUBLE, b, 1)).dup('c').reshape(b, -1);
            double[] n = g.norm2(1).toDoubleVector();
            double[] h = new double[b];
            double[] eps = new double[2 * b];
            for (int i = 0; i < b; i++) {
                h[i] = 1e-3 / n[i];
                double c = 2 * 10 * (n[i] - 1) / (b * n[i]);
                eps[i] = c / (2 * h[i]);
                eps[b + i] = -c / (2 * h[i]);
            }
            INDArray shift = g.mulColumnVector(Nd4j.createFromArray(h).reshape(b, 1));
            INDArray flat = x.dup('c').reshape(b, -1);
            INDArray both = Nd4j.concat(0, flat.add(shift), flat.sub(shift)).reshape(
                    net.architecture().input().batchShape(2 * b));
            net.forward(both, true);
            net.backward(Nd4j.createFromArray(eps).reshape(2 * b, 1));
        });
        double rel = PenaltyFixtures.relativeError(net, fixture, "gp.grad");
        System.err.printf("%s central difference: gradient relative error %.3g%n", name, rel);
        assertThat(rel).isGreaterThan(1e-3);
    }
}
