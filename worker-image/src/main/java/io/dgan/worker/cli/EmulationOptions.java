package io.dgan.worker.cli;

import io.dgan.transport.grpc.LinkEmulation;
import picocli.CommandLine;
import picocli.CommandLine.Option;

import java.util.List;

/**
 * Network emulation on the gossip links (a delay per message, a node's egress bandwidth): the options of
 * {@code dgan worker}, {@code dgan train} (handed to its worker processes) and {@code dgan bench comm}.
 */
final class EmulationOptions {
    @Option(names = "--emulate-latency", paramLabel = "DELAY",
            description = "emulated delay α per message, e.g. 50ms, 100us, 0.1s (default ${DEFAULT-VALUE}; 0ms: none)")
    String latency;

    @Option(names = "--emulate-bandwidth", paramLabel = "RATE",
            description = "emulated egress bandwidth 1/β of a worker (one token bucket shared by its links), e.g. "
                    + "1gbit, 100mbit, 125MB (default ${DEFAULT-VALUE}; 0: unlimited)")
    String bandwidth;

    /** No emulation unless asked. */
    EmulationOptions() {
        this("0ms", "0");
    }

    EmulationOptions(String latency, String bandwidth) {
        this.latency = latency;
        this.bandwidth = bandwidth;
    }

    /** The emulation asked for; bad values name their flag. */
    LinkEmulation parse(CommandLine cmd) {
        return new LinkEmulation(
                Flags.parse(cmd, "--emulate-latency", () -> LinkEmulation.parseLatency("--emulate-latency", latency)),
                Flags.parse(cmd, "--emulate-bandwidth",
                        () -> LinkEmulation.parseBandwidth("--emulate-bandwidth", bandwidth)));
    }

    /** ", emulated latency 50ms and bandwidth 1gbit per worker" when the links are emulated, else nothing. */
    String describe() {
        boolean active = new LinkEmulation(LinkEmulation.parseLatency("--emulate-latency", latency),
                LinkEmulation.parseBandwidth("--emulate-bandwidth", bandwidth)).active();
        return active ? ", emulated latency " + latency + " and bandwidth " + bandwidth + " per worker" : "";
    }

    /** These options as arguments for a worker process. */
    List<String> toArgs() {
        return OptionArgs.of(this);
    }
}
