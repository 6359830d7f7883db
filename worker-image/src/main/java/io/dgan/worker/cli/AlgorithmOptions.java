package io.dgan.worker.cli;

import io.dgan.optimizer.Algorithm;
import io.dgan.optimizer.InitialDirection;
import io.dgan.optimizer.SecondMoment;
import picocli.CommandLine;
import picocli.CommandLine.Option;

import java.util.List;

/**
 * The decentralized algorithm and its reconstructed choices (docs/engine.md): options of {@code dgan train} and
 * {@code dgan game}.
 */
final class AlgorithmOptions {
    @Option(names = "--algorithm",
            description = "gda | dposg | dp-oadam | rand-dp-oadam | cp-oadam (default ${DEFAULT-VALUE})")
    String algorithm;

    @Option(names = "--average-moments", description = "also gossip Adam's moments m and v (dp-oadam, "
            + "rand-dp-oadam; reconstructed choice, default off)")
    boolean averageMoments;

    @Option(names = "--second-moment", description = "the gradient Adam's second moment v is formed from: local "
            + "(this worker's own batch), neighbourhood (a copy of it gossiped with the neighbours' like the "
            + "parameters: one more vector per player and gossip round) or global (a copy of it all-reduced over "
            + "every worker: CP-OAdam's v, not decentralized; measures how much of the gap to cp-oadam v accounts "
            + "for); dp-oadam, rand-dp-oadam; default ${DEFAULT-VALUE}")
    String secondMoment = "local";

    @Option(names = "--initial-direction", description = "d_0 of the first optimistic half step: oracle (g_0 = "
            + "gradient at x_0) or zero (reconstructed choice; default ${DEFAULT-VALUE})")
    String initialDirection = "oracle";

    AlgorithmOptions() {
        this("dp-oadam");
    }

    AlgorithmOptions(String algorithm) {
        this.algorithm = algorithm;
    }

    /** The algorithm; an unknown name names --algorithm. */
    Algorithm parse(CommandLine cmd) {
        return Flags.parse(cmd, "--algorithm", () -> Algorithm.fromCliName(algorithm));
    }

    /** The initial direction; anything but oracle or zero names --initial-direction. */
    InitialDirection initialDirection(CommandLine cmd) {
        return switch (initialDirection) {
            case "oracle" -> InitialDirection.ORACLE;
            case "zero" -> InitialDirection.ZERO;
            default -> throw Flags.bad(cmd, "--initial-direction", "expected oracle or zero, got '"
                    + initialDirection + "'");
        };
    }

    /** The second moment's source; anything but local, neighbourhood or global names --second-moment. */
    SecondMoment secondMoment(CommandLine cmd) {
        return Flags.parse(cmd, "--second-moment", () -> SecondMoment.fromCliName(secondMoment));
    }

    /** These options as arguments for a worker process. */
    List<String> toArgs() {
        return OptionArgs.of(this);
    }
}
