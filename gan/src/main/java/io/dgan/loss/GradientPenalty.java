package io.dgan.loss;

import io.dgan.model.ModelNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The WGAN-GP penalty P(θ) = λ/B Σ_i (‖∇ₓD(x̂_i)‖ − 1)² and its parameter gradient, without double back-propagation
 * (DL4J has none). With g_i = ∇ₓD(x̂_i) and n_i = ‖g_i‖,
 * <pre>
 *   ∇θ P = Σ_i c_i (∂g_i/∂θ)ᵀ g_i,   c_i = 2λ(n_i − 1)/(B·n_i),
 *   (∂g_i/∂θ)ᵀ g_i = ∇θ [g_iᵀ ∇ₓD(x̂_i)]  (g_i held fixed)  ≈ ∇θ [D(x̂_i + h_i g_i) − D(x̂_i − h_i g_i)] / (2h_i)
 * </pre>
 * a central difference along g_i. The step h_i = step/n_i moves every sample by the same distance {@code step}
 * in input space (a fixed h was badly wrong with LeakyReLU critics, whose input-gradient is piecewise constant).
 * The two shifted batches go into D's ordinary backward pass with per-sample epsilons ±c_i/(2h_i), so the
 * penalty costs one extra forward+backward on x̂ (to get g) plus 2B more rows in D's main pass.
 */
public final class GradientPenalty {
    /** Input-space displacement of the central difference; ~1e-3 balances truncation and float32 rounding. */
    public static final double DEFAULT_STEP = 1e-3;

    private final double lambda;
    private final double step;

    public GradientPenalty(double lambda, double step) {
        if (!(lambda > 0) || !(step > 0)) {
            throw new IllegalArgumentException("gradient penalty needs lambda > 0 and step > 0, got " + lambda + ", " + step);
        }
        this.lambda = lambda;
        this.step = step;
    }

    public double lambda() {
        return lambda;
    }

    /**
     * @param value    the penalty P at the current parameters
     * @param samples  x̂ + h g stacked over x̂ − h g (2B rows)
     * @param epsilon  dLoss/dScore for those rows, to back-propagate through D along with the rest of its loss
     */
    public record Terms(double value, INDArray samples, double[] epsilon) {
    }

    /** Random interpolates x̂_i = u_i·real_i + (1 − u_i)·fake_i, u_i ∈ [0,1) given. */
    public static INDArray interpolate(INDArray real, INDArray fake, double[] u) {
        int b = (int) real.size(0);
        INDArray w = Nd4j.createFromArray(u).castTo(real.dataType()).reshape(b, 1);
        INDArray r = real.reshape(b, -1);
        INDArray f = fake.reshape(b, -1);
        // f + u (r − f), batch-sized temporaries only
        INDArray out = r.sub(f).muliColumnVector(w).addi(f);
        return out.reshape(real.shape());
    }

    /** Input gradients ∇ₓD(x_i) (rows of the result, flattened) for a batch. Overwrites D's gradient view. */
    static INDArray inputGradients(ModelNetwork critic, INDArray x) {
        int b = (int) x.size(0);
        critic.forward(x, true);
        INDArray g = critic.backward(Nd4j.ones(x.dataType(), b, 1));
        return g.dup('c').reshape(b, -1);
    }

    /** P(θ) alone (used by tests and for logging). */
    public double value(ModelNetwork critic, INDArray interpolates) {
        double[] norms = inputGradients(critic, interpolates).norm2(1).toDoubleVector();
        double p = 0;
        for (double n : norms) {
            p += (n - 1) * (n - 1);
        }
        return lambda * p / norms.length;
    }

    /** The penalty and the extra rows + epsilons that carry its parameter gradient. Overwrites D's gradient view. */
    public Terms terms(ModelNetwork critic, INDArray interpolates) {
        int b = (int) interpolates.size(0);
        INDArray g = inputGradients(critic, interpolates);
        double[] norms = g.norm2(1).toDoubleVector();
        double[] h = new double[b];
        double[] eps = new double[2 * b];
        double p = 0;
        for (int i = 0; i < b; i++) {
            double n = norms[i];
            p += (n - 1) * (n - 1);
            if (n < 1e-12) {
                continue; // ‖g‖ not differentiable at g = 0; this sample contributes no gradient (h = 0, eps = 0)
            }
            h[i] = step / n;
            double c = 2 * lambda * (n - 1) / (b * n);
            eps[i] = c / (2 * h[i]);
            eps[b + i] = -c / (2 * h[i]);
        }
        INDArray shift = g.muliColumnVector(Nd4j.createFromArray(h).castTo(g.dataType()).reshape(b, 1));
        INDArray flat = interpolates.dup('c').reshape(b, -1);
        INDArray plus = flat.add(shift).reshape(interpolates.shape());
        INDArray minus = flat.sub(shift).reshape(interpolates.shape());
        return new Terms(lambda * p / b, Nd4j.concat(0, plus, minus), eps);
    }
}
