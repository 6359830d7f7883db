package io.dgan.loss;

import java.util.List;

/**
 * The two players' losses as functions of the discriminator's scores. Implementations return the loss value and
 * write dLoss/dScore per sample (already divided by the batch size: losses are batch means), which is the epsilon
 * back-propagated through D.
 */
public interface AdversarialLoss {
    List<String> NAMES = List.of("bce", "wgan-gp", "hinge");

    String name();

    /** L_D for scores on real and fake samples; fills dReal[i] = dL_D/dsReal[i], dFake[i] = dL_D/dsFake[i]. */
    double discriminator(double[] sReal, double[] sFake, double[] dReal, double[] dFake);

    /** L_G for scores on fake samples; fills dFake[i] = dL_G/dsFake[i]. */
    double generator(double[] sFake, double[] dFake);

    /**
     * A constant c with dL_D/dsFake[i] = c · dL_G/dsFake[i] for every sample and every score, or NaN when there is
     * none (the default). When it exists, D's parameter gradient from the fake samples is c times the one the
     * generator's pass through D already computed (back-propagation is linear in the epsilons), so the oracle
     * skips a second pass of D over the fakes. WGAN: c = −1.
     */
    default double fakeGradientRatio() {
        return Double.NaN;
    }

    /** λ of the gradient penalty on D (0 = none). */
    default double gradientPenaltyWeight() {
        return 0;
    }

    /** "bce", "wgan-gp" (λ = 10), "wgan-gp:λ", "hinge". */
    /**
     * L_G = −mean D(fake), the generator loss that WGAN(-GP) and hinge share; writes dL_G/ds into {@code dFake}.
     */
    static double negativeMeanScore(double[] sFake, double[] dFake) {
        double loss = 0;
        for (int i = 0; i < sFake.length; i++) {
            loss -= sFake[i] / sFake.length;
            dFake[i] = -1.0 / sFake.length;
        }
        return loss;
    }

    static AdversarialLoss parse(String spec) {
        if (spec.equals("bce") || spec.equals("ns")) {
            return new NonSaturatingLoss();
        }
        if (spec.equals("hinge")) {
            return new HingeLoss();
        }
        if (spec.equals("wgan-gp")) {
            return new WassersteinLoss(10);
        }
        if (spec.startsWith("wgan-gp:")) {
            try {
                return new WassersteinLoss(Double.parseDouble(spec.substring("wgan-gp:".length())));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--loss: expected wgan-gp:<lambda>, got '" + spec + "'");
            }
        }
        throw new IllegalArgumentException("--loss: expected one of " + NAMES + ", got '" + spec + "'");
    }
}
