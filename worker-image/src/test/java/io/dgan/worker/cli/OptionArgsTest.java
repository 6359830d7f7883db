package io.dgan.worker.cli;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import static org.assertj.core.api.Assertions.assertThat;

/** A launcher forwards a mixin's options as the mixin defines them: every value, set flags, nothing unset. */
class OptionArgsTest {
    @Test
    void aParsedMixinRendersBackToArgumentsThatParseToTheSameValues() {
        GameCommand game = new GameCommand();
        new CommandLine(game).parseArgs("--game", "quadratic", "--lr-u", "0.05", "--noise", "0.1", "--topology",
                "torus", "--local-training", "--algorithm", "dp-oadam", "--average-moments");
        assertThat(game.options.toArgs()).contains("--game=quadratic", "--lr-u=0.05", "--noise=0.1", "--dim=10")
                .noneMatch(a -> a.startsWith("--lr-v") || a.startsWith("--heterogeneity"));
        assertThat(game.topology.toArgs()).containsExactly("--topology=torus", "--gossip-rounds=1",
                "--local-training");
        assertThat(game.algorithm.toArgs()).containsExactly("--algorithm=dp-oadam", "--average-moments",
                "--second-moment=local", "--initial-direction=oracle");

        GameCommand again = new GameCommand();
        java.util.List<String> args = new java.util.ArrayList<>(game.options.toArgs());
        args.addAll(game.topology.toArgs());
        args.addAll(game.algorithm.toArgs());
        new CommandLine(again).parseArgs(args.toArray(String[]::new));
        assertThat(again.options.toArgs()).isEqualTo(game.options.toArgs());
        assertThat(again.topology.toArgs()).isEqualTo(game.topology.toArgs());
    }

    @Test
    void theTransportOptionsLeaveThePlaintextChoiceToTheLauncher() {
        TrainCommand train = new TrainCommand();
        new CommandLine(train).parseArgs("--wire", "bf16", "--insecure-plaintext", "--emulate-latency", "20ms");
        assertThat(train.transport.toArgs()).containsExactly("--wire=bf16");
        assertThat(train.emulation.toArgs()).containsExactly("--emulate-latency=20ms", "--emulate-bandwidth=0");
    }
}
