package io.dgan.optimizer;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Everything that configures one worker's optimizer. Build with {@link #builder(Algorithm)}:
 * <pre>{@code
 * OptimizerConfig cfg = OptimizerConfig.builder(Algorithm.DP_OADAM)
 *         .learningRate(2e-4).betas(0.5, 0.999)     // defaults for every player
 *         .learningRate("D", 4e-4)                  // TTUR: override per player name (any order)
 *         .gossipRounds(1).build();
 * }</pre>
 *
 * @param algorithm        the update rule
 * @param defaults         hyperparameters of players without an override
 * @param perPlayer        overrides by player name (e.g. "G", "D", "u", "v")
 * @param gossipRounds     t gossip rounds per iteration (default 1)
 * @param averageMoments   also gossip the Adam moments m and v (default off; reconstructed, not read)
 * @param initialDirection how d_0 is obtained (default ORACLE, as algorithm.md)
 * @param epoch            topology epoch written into every message tag (default 0)
 * @param secondMoment     which gradient Adam's second moment v is formed from (default LOCAL; dp only)
 */
public record OptimizerConfig(Algorithm algorithm, PlayerSettings defaults, Map<String, PlayerSettings> perPlayer,
                              int gossipRounds, boolean averageMoments, InitialDirection initialDirection,
                              long epoch, SecondMoment secondMoment) {
    public OptimizerConfig {
        Objects.requireNonNull(algorithm, "algorithm");
        Objects.requireNonNull(defaults, "defaults");
        perPlayer = Map.copyOf(perPlayer);
        Objects.requireNonNull(initialDirection, "initialDirection");
        Objects.requireNonNull(secondMoment, "secondMoment");
        if (secondMoment != SecondMoment.LOCAL && !(algorithm.usesGossip() && algorithm.usesAdam())) {
            throw new IllegalArgumentException("a " + secondMoment.cliName() + " second moment applies to dp-oadam "
                    + "and rand-dp-oadam, not " + algorithm);
        }
        if (gossipRounds < 0) {
            throw new IllegalArgumentException("gossip rounds must be >= 0, got " + gossipRounds);
        }
    }

    /**
     * Whether every iteration all-reduces over every rank (cp-oadam's gradient, or the gradient copy of a global
     * second moment): a rank can then be neither cut out nor taken back while the job trains.
     */
    public boolean allReducesEveryIteration() {
        return algorithm == Algorithm.CP_OADAM || secondMoment == SecondMoment.GLOBAL;
    }

    /** The hyperparameters in force for the player called {@code name}. */
    public PlayerSettings settingsFor(String name) {
        return perPlayer.getOrDefault(name, defaults);
    }

    public static Builder builder(Algorithm algorithm) {
        return new Builder(algorithm);
    }

    public Builder toBuilder() {
        Builder b = new Builder(algorithm);
        b.defaults = defaults;
        b.fullOverrides.putAll(perPlayer);
        b.gossipRounds = gossipRounds;
        b.averageMoments = averageMoments;
        b.initialDirection = initialDirection;
        b.epoch = epoch;
        b.secondMoment = secondMoment;
        return b;
    }

    public static final class Builder {
        private Algorithm algorithm;
        private PlayerSettings defaults = PlayerSettings.DEFAULT;
        // Per-player overrides are kept field by field and resolved against the defaults in build(), so the order
        // of the calls does not matter (.learningRate("D", x).betas(..) still gives D the new betas).
        private final Map<String, PlayerSettings> fullOverrides = new LinkedHashMap<>();
        private final Map<String, Double> lrOverrides = new LinkedHashMap<>();
        private final Map<String, double[]> betaOverrides = new LinkedHashMap<>();
        private int gossipRounds = 1;
        private boolean averageMoments;
        private InitialDirection initialDirection = InitialDirection.ORACLE;
        private long epoch;
        private SecondMoment secondMoment = SecondMoment.LOCAL;

        private Builder(Algorithm algorithm) {
            this.algorithm = algorithm;
        }

        public Builder algorithm(Algorithm a) {
            this.algorithm = a;
            return this;
        }

        /** Learning rate of every player without an override. */
        public Builder learningRate(double lr) {
            defaults = defaults.withLearningRate(lr);
            return this;
        }

        public Builder betas(double beta1, double beta2) {
            defaults = defaults.withBetas(beta1, beta2);
            return this;
        }

        public Builder eps(double eps) {
            defaults = defaults.withEps(eps);
            return this;
        }

        public Builder defaults(PlayerSettings settings) {
            defaults = Objects.requireNonNull(settings);
            return this;
        }

        /** Learning rate of one player (TTUR); its other settings follow the defaults. */
        public Builder learningRate(String player, double lr) {
            lrOverrides.put(player, lr);
            return this;
        }

        /** Adam betas of one player; its other settings follow the defaults. */
        public Builder betas(String player, double beta1, double beta2) {
            betaOverrides.put(player, new double[] {beta1, beta2});
            return this;
        }

        /** All settings of one player, replacing any per-field override of it. */
        public Builder player(String player, PlayerSettings settings) {
            fullOverrides.put(player, Objects.requireNonNull(settings));
            lrOverrides.remove(player);
            betaOverrides.remove(player);
            return this;
        }

        public Builder gossipRounds(int t) {
            this.gossipRounds = t;
            return this;
        }

        public Builder averageMoments(boolean on) {
            this.averageMoments = on;
            return this;
        }

        public Builder initialDirection(InitialDirection d) {
            this.initialDirection = d;
            return this;
        }

        public Builder epoch(long e) {
            this.epoch = e;
            return this;
        }

        public Builder secondMoment(SecondMoment s) {
            this.secondMoment = Objects.requireNonNull(s);
            return this;
        }

        public OptimizerConfig build() {
            Map<String, PlayerSettings> perPlayer = new LinkedHashMap<>(fullOverrides);
            for (String name : lrOverrides.keySet()) {
                perPlayer.putIfAbsent(name, defaults);
            }
            for (String name : betaOverrides.keySet()) {
                perPlayer.putIfAbsent(name, defaults);
            }
            perPlayer.replaceAll((name, s) -> {
                PlayerSettings r = s;
                if (lrOverrides.containsKey(name)) {
                    r = r.withLearningRate(lrOverrides.get(name));
                }
                if (betaOverrides.containsKey(name)) {
                    double[] b = betaOverrides.get(name);
                    r = r.withBetas(b[0], b[1]);
                }
                return r;
            });
            return new OptimizerConfig(algorithm, defaults, perPlayer, gossipRounds, averageMoments,
                    initialDirection, epoch, secondMoment);
        }
    }
}
