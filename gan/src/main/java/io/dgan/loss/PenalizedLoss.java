package io.dgan.loss;

/** A loss with a zero-centred input-gradient penalty (R1 or R2) on D: "bce+r1", "hinge+r2:1" (see {@link GradientPenalty}). */
final class PenalizedLoss implements AdversarialLoss {
    private final AdversarialLoss base;
    private final GradientPenalty penalty;
    private final String name;

    PenalizedLoss(AdversarialLoss base, GradientPenalty penalty, String name) {
        this.base = base;
        this.penalty = penalty;
        this.name = name;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public double discriminator(double[] sReal, double[] sFake, double[] dReal, double[] dFake) {
        return base.discriminator(sReal, sFake, dReal, dFake);
    }

    @Override
    public double generator(double[] sFake, double[] dFake) {
        return base.generator(sFake, dFake);
    }

    @Override
    public double fakeGradientRatio() {
        return base.fakeGradientRatio();
    }

    @Override
    public GradientPenalty penalty() {
        return new GradientPenalty(penalty.kind(), penalty.weight()); // one per oracle: it caches its critic's passes
    }
}
