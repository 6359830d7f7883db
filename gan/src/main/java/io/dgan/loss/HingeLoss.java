package io.dgan.loss;

/** Hinge loss: L_D = mean relu(1 − s_real) + mean relu(1 + s_fake), L_G = −mean s_fake. */
public final class HingeLoss implements AdversarialLoss {
    @Override
    public String name() {
        return "hinge";
    }

    @Override
    public double discriminator(double[] sReal, double[] sFake, double[] dReal, double[] dFake) {
        double loss = 0;
        for (int i = 0; i < sReal.length; i++) {
            double m = 1 - sReal[i];
            loss += Math.max(0, m) / sReal.length;
            dReal[i] = m > 0 ? -1.0 / sReal.length : 0;
        }
        for (int i = 0; i < sFake.length; i++) {
            double m = 1 + sFake[i];
            loss += Math.max(0, m) / sFake.length;
            dFake[i] = m > 0 ? 1.0 / sFake.length : 0;
        }
        return loss;
    }

    @Override
    public double generator(double[] sFake, double[] dFake) {
        return AdversarialLoss.negativeMeanScore(sFake, dFake);
    }
}
