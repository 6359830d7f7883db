package io.dgan.worker.cli;

import io.dgan.optimizer.Algorithm;
import io.dgan.topology.Topologies;
import io.dgan.topology.TopologySpec;
import picocli.CommandLine;
import picocli.CommandLine.Option;

import java.util.List;

/** The graph the workers gossip on and how often per iteration: options of {@code dgan train} and {@code dgan game}. */
final class TopologyOptions {
    @Option(names = "--topology", description = "ring, torus, hypercube, exponential, complete, one-peer-hypercube, "
            + "random-ring, random-matching (default ring; random-ring for rand-dp-oadam)")
    String topology;

    @Option(names = "--gossip-rounds", description = "gossip rounds t per iteration, >= 1 (default ${DEFAULT-VALUE}); "
            + "a time-varying schedule advances every round")
    int gossipRounds = 1;

    @Option(names = "--local-training",
            description = "allow --gossip-rounds 0: M independent learners that never mix (a baseline, not DPOSG)")
    boolean localTraining;

    /** The topology's name: --topology, else the algorithm's own graph. */
    String name(Algorithm algorithm) {
        return topology != null ? topology : algorithm == Algorithm.RAND_DP_OADAM ? "random-ring" : "ring";
    }

    /** --gossip-rounds 0 would leave M learners that never mix: refused unless --local-training asks for it. */
    void checkRounds(CommandLine cmd, Algorithm algorithm, int workers) {
        if (gossipRounds < 0) {
            throw Flags.bad(cmd, "--gossip-rounds", "must be >= 1, got " + gossipRounds);
        }
        if (gossipRounds == 0 && !localTraining && algorithm.usesGossip() && workers > 1) {
            throw new CommandLine.ParameterException(cmd, "--gossip-rounds 0: the workers would never mix (M "
                    + "independent learners); give --gossip-rounds >= 1, or --local-training to ask for that");
        }
    }

    /**
     * Builds the graph the workers would gossip on, so that a graph the workers count cannot form (a torus of 3, of
     * a prime) is refused before any worker process starts; worker processes would each fail on it after starting.
     */
    void checkGraph(CommandLine cmd, Algorithm algorithm, int workers, long seed) {
        if (workers < 2 || !algorithm.usesGossip()) {
            return;
        }
        try {
            Topologies.create(TopologySpec.of(name(algorithm), workers).withSeed(seed));
        } catch (IllegalArgumentException e) {
            throw Flags.bad(cmd, "--topology", e.getMessage());
        }
    }

    /** These options as arguments for a worker process. */
    List<String> toArgs() {
        return OptionArgs.of(this);
    }
}
