package io.dgan.worker.cli;

import io.dgan.games.BilinearGame;
import io.dgan.games.Game;
import io.dgan.games.QuadraticGame;
import io.dgan.optimizer.PlayerSettings;
import picocli.CommandLine;
import picocli.CommandLine.Option;

import java.util.List;

/**
 * The validation game and its optimizer settings: options of {@code dgan game}, which a worker without train flags
 * parses as well ({@code dgan game --processes} hands them to its workers).
 */
final class GameOptions {
    /** Bilinear default h: each worker's game differs from the global one, so consensus is really at stake. */
    static final double DEFAULT_BILINEAR_HETEROGENEITY = 0.3;

    @Option(names = "--game", description = "bilinear | quadratic (default ${DEFAULT-VALUE})")
    String game = "bilinear";

    @Option(names = "--dim", description = "dimension d of each player (default ${DEFAULT-VALUE})")
    int dim = 10;

    @Option(names = "--iterations", description = "iterations (default ${DEFAULT-VALUE})")
    long iterations = 5000;

    @Option(names = "--lr", description = "learning rate of both players (default ${DEFAULT-VALUE})")
    double lr = 0.1;

    @Option(names = "--lr-u", description = "learning rate of u (overrides --lr)")
    Double lrU;

    @Option(names = "--lr-v", description = "learning rate of v (overrides --lr)")
    Double lrV;

    @Option(names = "--beta1", description = "Adam β1 (default ${DEFAULT-VALUE})")
    double beta1 = 0.0;

    @Option(names = "--beta2", description = "Adam β2 (default ${DEFAULT-VALUE})")
    double beta2 = 0.9;

    @Option(names = "--eps", description = "Adam eps (default ${DEFAULT-VALUE})")
    double eps = 1e-8;

    @Option(names = "--heterogeneity",
            description = "h: bilinear A_i = A + h·Δ_i (default 0.3, so that the workers really differ and gossip"
                    + " matters); quadratic shard offsets δ_i (default 0: iid shards)")
    Double heterogeneityOption;

    @Option(names = "--noise", description = "quadratic: gradient noise σ (default ${DEFAULT-VALUE})")
    double noise = 0.0;

    @Option(names = "--batch", description = "quadratic: minibatch size m, noise σ/√m (default ${DEFAULT-VALUE})")
    int batch = 1;

    @Option(names = "--seed", description = "game, initial point, noise and schedule seed (default ${DEFAULT-VALUE})")
    long seed = 1;

    @Option(names = "--every", description = "sample metrics every k-th iteration (default ${DEFAULT-VALUE})")
    long every = 10;

    /** The --heterogeneity flag, or the per-game default when it is absent. */
    double heterogeneity() {
        if (heterogeneityOption != null) {
            return heterogeneityOption;
        }
        return "bilinear".equals(game) ? DEFAULT_BILINEAR_HETEROGENEITY : 0.0;
    }

    /** Every value in its range; the first one out names its flag. */
    void validate(CommandLine cmd) {
        if (!game.equals("bilinear") && !game.equals("quadratic")) {
            throw Flags.bad(cmd, "--game", "expected bilinear or quadratic, got '" + game + "'");
        }
        atLeastOne(cmd, "--dim", dim);
        atLeastOne(cmd, "--iterations", iterations);
        positive(cmd, "--lr", lr);
        if (lrU != null) {
            positive(cmd, "--lr-u", lrU);
        }
        if (lrV != null) {
            positive(cmd, "--lr-v", lrV);
        }
        if (!(beta1 >= 0 && beta1 < 1)) {
            throw Flags.bad(cmd, "--beta1", "must be in [0, 1), got " + beta1);
        }
        if (!(beta2 >= 0 && beta2 < 1)) {
            throw Flags.bad(cmd, "--beta2", "must be in [0, 1), got " + beta2);
        }
        positive(cmd, "--eps", eps);
        if (!(heterogeneity() >= 0)) {
            throw Flags.bad(cmd, "--heterogeneity", "must be >= 0, got " + heterogeneity());
        }
        if (!(noise >= 0)) {
            throw Flags.bad(cmd, "--noise", "must be >= 0, got " + noise);
        }
        atLeastOne(cmd, "--batch", batch);
        atLeastOne(cmd, "--every", every);
        if (game.equals("bilinear") && noise > 0) {
            throw Flags.bad(cmd, "--noise", "the bilinear game is deterministic; --noise applies to --game quadratic");
        }
    }

    Game build(int workers) {
        return game.equals("bilinear")
                ? new BilinearGame(dim, workers, heterogeneity(), seed)
                : new QuadraticGame(dim, workers, heterogeneity(), noise, batch, seed);
    }

    /** Adam's settings of both players (--lr-u and --lr-v apply on top). */
    PlayerSettings playerSettings() {
        return new PlayerSettings(lr, beta1, beta2, eps);
    }

    /** These options as arguments for a worker process. */
    List<String> toArgs() {
        return OptionArgs.of(this);
    }

    private static void atLeastOne(CommandLine cmd, String flag, long value) {
        if (value < 1) {
            throw Flags.bad(cmd, flag, "must be >= 1, got " + value);
        }
    }

    private static void positive(CommandLine cmd, String flag, double v) {
        if (!(v > 0) || Double.isInfinite(v)) {
            throw Flags.bad(cmd, flag, "must be > 0, got " + v);
        }
    }
}
