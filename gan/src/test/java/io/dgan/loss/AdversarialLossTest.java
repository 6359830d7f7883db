package io.dgan.loss;

import org.junit.jupiter.api.Test;

import java.util.function.ToDoubleFunction;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** Each loss's per-score derivative against a central difference of its value. */
class AdversarialLossTest {
    private static final double[] REAL = {1.3, -0.4, 0.2, 2.5};
    private static final double[] FAKE = {-1.7, 0.6, -0.05, 0.9};

    @Test
    void derivativesMatchFiniteDifferences() {
        for (String name : AdversarialLoss.NAMES) {
            AdversarialLoss loss = AdversarialLoss.parse(name);
            double[] dr = new double[4];
            double[] df = new double[4];
            loss.discriminator(REAL, FAKE, dr, df);
            double[] dg = new double[4];
            loss.generator(FAKE, dg);
            for (int i = 0; i < 4; i++) {
                int k = i;
                check(name, dr[i], s -> loss.discriminator(with(REAL, k, s), FAKE, new double[4], new double[4]), REAL[i]);
                check(name, df[i], s -> loss.discriminator(REAL, with(FAKE, k, s), new double[4], new double[4]), FAKE[i]);
                check(name, dg[i], s -> loss.generator(with(FAKE, k, s), new double[4]), FAKE[i]);
            }
        }
    }

    @Test
    void knownValues() {
        double[] d = new double[1];
        // BCE at logit 0: log 2 for each of real and fake.
        assertThat(new NonSaturatingLoss().discriminator(new double[]{0}, new double[]{0}, d, new double[1]))
                .isCloseTo(2 * Math.log(2), within(1e-12));
        assertThat(new WassersteinLoss(10).discriminator(new double[]{3}, new double[]{1}, d, new double[1])).isEqualTo(-2);
        assertThat(new HingeLoss().discriminator(new double[]{2}, new double[]{-3}, d, new double[1])).isEqualTo(0);
        assertThat(AdversarialLoss.parse("wgan-gp:5").gradientPenaltyWeight()).isEqualTo(5);
        assertThatThrownBy(() -> AdversarialLoss.parse("lsgan")).hasMessageContaining("--loss");
        assertThat(AdversarialLoss.parse("bce+r1").penalty().kind()).isEqualTo(GradientPenalty.Kind.R1);
        assertThat(AdversarialLoss.parse("bce+r1").penalty().weight()).isEqualTo(10);
        assertThat(AdversarialLoss.parse("hinge+r2:0.5").penalty().kind()).isEqualTo(GradientPenalty.Kind.R2);
        assertThat(AdversarialLoss.parse("hinge+r2:0.5").penalty().weight()).isEqualTo(0.5);
        assertThat(AdversarialLoss.parse("wgan-gp").penalty().kind()).isEqualTo(GradientPenalty.Kind.WGAN_GP);
        assertThat(AdversarialLoss.parse("bce").penalty()).isNull();
        assertThat(AdversarialLoss.parse("wgan-gp:0").penalty()).isNull();
        assertThatThrownBy(() -> AdversarialLoss.parse("wgan-gp+r1")).hasMessageContaining("--loss");
        assertThatThrownBy(() -> AdversarialLoss.parse("bce+r3")).hasMessageContaining("--loss");
        assertThatThrownBy(() -> AdversarialLoss.parse("bce+r1:x")).hasMessageContaining("--loss");
        assertThatThrownBy(() -> AdversarialLoss.parse("bce+r1:-1")).hasMessageContaining("--loss");
    }

    private static void check(String name, double analytic, ToDoubleFunction<Double> f, double at) {
        double h = 1e-6;
        double fd = (f.applyAsDouble(at + h) - f.applyAsDouble(at - h)) / (2 * h);
        assertThat(analytic).as(name).isCloseTo(fd, within(1e-6));
    }

    private static double[] with(double[] a, int i, double v) {
        double[] c = a.clone();
        c[i] = v;
        return c;
    }
}
