package io.dgan.worker.cli;

import picocli.CommandLine.Command;

/** Placeholder until the topology package lands: replaced by the full command. */
@Command(name = "topology", mixinStandardHelpOptions = true,
        description = "Build a mixing matrix, check it and print ρ and the spectral gap.")
public final class TopologyCommand implements Runnable {
    @Override
    public void run() {
        throw new IllegalStateException("not implemented yet");
    }
}
