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

    /** The input-gradient penalty on D that goes with this loss, or null (WGAN-GP: its λ; "+r1"/"+r2" suffixes). */
    default GradientPenalty penalty() {
        return gradientPenaltyWeight() > 0 ? new GradientPenalty(GradientPenalty.Kind.WGAN_GP, gradientPenaltyWeight()) : null;
    }

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

    /**
     * Parses {@code --loss}: "bce" (or "ns"), "hinge", "wgan-gp" (λ = 10), "wgan-gp:λ", each optionally followed by
     * "+r1", "+r2" (zero-centred penalty at the real or generated samples, γ = 10) or "+r1:γ", "+r2:γ".
     */
    static AdversarialLoss parse(String spec) {
        if (spec == null) {
            throw new IllegalArgumentException("--loss: missing");
        }
        int plus = spec.indexOf('+');
        if (plus >= 0) {
            AdversarialLoss base = parse(spec.substring(0, plus));
            String pen = spec.substring(plus + 1);
            if (!pen.startsWith("r1") && !pen.startsWith("r2")) {
                throw new IllegalArgumentException("--loss: expected <loss>+r1[:gamma] or <loss>+r2[:gamma], got '" + spec + "'");
            }
            if (base.gradientPenaltyWeight() > 0) {
                throw new IllegalArgumentException("--loss: wgan-gp already has its penalty; use wgan-gp:0+" + pen
                        + " for " + pen + " alone, got '" + spec + "'");
            }
            GradientPenalty penalty;
            try {
                penalty = GradientPenalty.parse(pen);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--loss: " + e.getMessage().replace("--penalty: ", ""));
            }
            return new PenalizedLoss(base, penalty, spec);
        }
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
