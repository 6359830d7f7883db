package io.dgan.loss;

/**
 * The original GAN loss with D outputting logits: L_D = mean softplus(−s_real) + mean softplus(s_fake) (binary
 * cross-entropy), and the non-saturating generator loss L_G = mean softplus(−s_fake).
 */
public final class NonSaturatingLoss implements AdversarialLoss {
    @Override
    public String name() {
        return "bce";
    }

    @Override
    public double discriminator(double[] sReal, double[] sFake, double[] dReal, double[] dFake) {
        double loss = 0;
        for (int i = 0; i < sReal.length; i++) {
            loss += softplus(-sReal[i]) / sReal.length;
            dReal[i] = (sigmoid(sReal[i]) - 1) / sReal.length;
        }
        for (int i = 0; i < sFake.length; i++) {
            loss += softplus(sFake[i]) / sFake.length;
            dFake[i] = sigmoid(sFake[i]) / sFake.length;
        }
        return loss;
    }

    @Override
    public double generator(double[] sFake, double[] dFake) {
        double loss = 0;
        for (int i = 0; i < sFake.length; i++) {
            loss += softplus(-sFake[i]) / sFake.length;
            dFake[i] = (sigmoid(sFake[i]) - 1) / sFake.length;
        }
        return loss;
    }

    static double softplus(double x) {
        return x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));
    }

    static double sigmoid(double x) {
        return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
    }
}
