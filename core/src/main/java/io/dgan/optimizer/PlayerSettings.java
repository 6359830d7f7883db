package io.dgan.optimizer;

/**
 * Per-player hyperparameters (two time-scale updates: G and D may differ). β1, β2, eps are used by the Adam
 * variants only.
 */
public record PlayerSettings(double learningRate, double beta1, double beta2, double eps) {
    public static final PlayerSettings DEFAULT = new PlayerSettings(2e-4, 0.5, 0.999, 1e-8);

    public PlayerSettings {
        if (!(learningRate > 0) || Double.isInfinite(learningRate)) {
            throw new IllegalArgumentException("learning rate must be > 0, got " + learningRate);
        }
        if (!(beta1 >= 0 && beta1 < 1)) {
            throw new IllegalArgumentException("beta1 must be in [0, 1), got " + beta1);
        }
        if (!(beta2 >= 0 && beta2 < 1)) {
            throw new IllegalArgumentException("beta2 must be in [0, 1), got " + beta2);
        }
        if (!(eps > 0)) {
            throw new IllegalArgumentException("eps must be > 0, got " + eps);
        }
    }

    public PlayerSettings withLearningRate(double lr) {
        return new PlayerSettings(lr, beta1, beta2, eps);
    }

    public PlayerSettings withBetas(double b1, double b2) {
        return new PlayerSettings(learningRate, b1, b2, eps);
    }

    public PlayerSettings withEps(double e) {
        return new PlayerSettings(learningRate, beta1, beta2, e);
    }
}
