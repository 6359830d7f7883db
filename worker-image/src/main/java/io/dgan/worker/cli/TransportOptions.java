package io.dgan.worker.cli;

import io.dgan.transport.grpc.WireFormat;
import picocli.CommandLine;
import picocli.CommandLine.Option;

import java.util.List;

/** How the gossip vectors travel between worker processes: the options of {@code dgan worker} and {@code dgan train}. */
final class TransportOptions {
    @Option(names = "--wire", description = "gossip wire format between worker processes: float32 | bf16 "
            + "(default ${DEFAULT-VALUE})")
    String wire = "float32";

    @Option(names = "--insecure-plaintext", defaultValue = "${env:DGAN_INSECURE_PLAINTEXT:-false}",
            description = "gossip without TLS: any process that reaches a gossip port can send vectors as any rank "
                    + "[DGAN_INSECURE_PLAINTEXT] (default: mutual TLS; dgan train makes a CA for the run and a "
                    + "certificate per rank under <run dir>/tls)")
    boolean insecurePlaintext;

    /** The wire format; a bad one names --wire. */
    WireFormat wireFormat(CommandLine cmd) {
        return Flags.parse(cmd, "--wire", () -> WireFormat.parse(wire));
    }

    /** True for the default wire format, the only one the in-memory transport has. */
    boolean isFloat32(CommandLine cmd) {
        return wireFormat(cmd) == WireFormat.FLOAT32;
    }

    /**
     * These options as arguments for a worker process, but --insecure-plaintext: the launcher turns that into its
     * own choice between certificates and plaintext ({@link LocalWorkers#plaintext}).
     */
    List<String> toArgs() {
        return OptionArgs.of(this, "--insecure-plaintext");
    }
}
