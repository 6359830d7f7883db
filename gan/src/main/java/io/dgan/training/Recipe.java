package io.dgan.training;

import io.dgan.loss.AdversarialLoss;

/**
 * The settings a GAN result depends on beyond the model and the data: loss, minibatch per worker, length, and Adam's
 * learning rates and betas. A {@link Preset} names the recipe behind a documented result; flags and job fields
 * override it one setting at a time ({@link #override}).
 */
public record Recipe(String loss, int batch, long iterations, double lrG, double lrD, double beta1, double beta2) {

    /** What a run uses when no preset matches its model and dataset. */
    public static final Recipe BUILT_IN = new Recipe("bce", 64, 1000, 2e-4, 2e-4, 0.5, 0.999);

    public Recipe {
        AdversarialLoss.parse(loss);
    }

    /** This recipe with every non-null argument in place of its own value. */
    public Recipe override(String lossValue, Integer batchValue, Long iterationsValue, Double lrGValue,
                           Double lrDValue, Double beta1Value, Double beta2Value) {
        return new Recipe(lossValue != null ? lossValue : loss, batchValue != null ? batchValue : batch,
                iterationsValue != null ? iterationsValue : iterations, lrGValue != null ? lrGValue : lrG,
                lrDValue != null ? lrDValue : lrD, beta1Value != null ? beta1Value : beta1,
                beta2Value != null ? beta2Value : beta2);
    }

    /** One line for progress output: loss, batch, iterations, rates and betas. */
    public String describe() {
        return String.format(java.util.Locale.ROOT, "loss %s, batch %d, %d iterations, lr G %s / D %s, betas (%s, %s)",
                loss, batch, iterations, lrG, lrD, beta1, beta2);
    }
}
