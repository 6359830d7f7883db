package io.dgan.loss;

/**
 * WGAN: L_D = mean D(fake) − mean D(real) (+ λ·gradient penalty, added by {@link GradientPenalty}),
 * L_G = −mean D(fake).
 */
public final class WassersteinLoss implements AdversarialLoss {
    private final double lambda;

    public WassersteinLoss(double lambda) {
        if (!(lambda >= 0)) {
            throw new IllegalArgumentException("gradient penalty weight must be >= 0, got " + lambda);
        }
        this.lambda = lambda;
    }

    @Override
    public String name() {
        return "wgan-gp";
    }

    @Override
    public double gradientPenaltyWeight() {
        return lambda;
    }

    @Override
    public double discriminator(double[] sReal, double[] sFake, double[] dReal, double[] dFake) {
        double loss = 0;
        for (int i = 0; i < sReal.length; i++) {
            loss -= sReal[i] / sReal.length;
            dReal[i] = -1.0 / sReal.length;
        }
        for (int i = 0; i < sFake.length; i++) {
            loss += sFake[i] / sFake.length;
            dFake[i] = 1.0 / sFake.length;
        }
        return loss;
    }

    /** dL_D/dsFake = 1/B = −(dL_G/dsFake). */
    @Override
    public double fakeGradientRatio() {
        return -1;
    }

    @Override
    public double generator(double[] sFake, double[] dFake) {
        return AdversarialLoss.negativeMeanScore(sFake, dFake);
    }
}
