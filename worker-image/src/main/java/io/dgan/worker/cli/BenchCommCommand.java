package io.dgan.worker.cli;

import io.dgan.transport.grpc.LinkEmulation;
import io.dgan.transport.grpc.bench.CommBench;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code dgan bench comm}: ring gossip, one-peer hypercube and ring all-reduce against the α–β model. */
@Command(name = "comm", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Time one iteration's communication of ring gossip, one-peer hypercube and ring all-reduce "
                + "over gRPC on loopback (M transports in this JVM) with emulated latency and bandwidth, next to "
                + "the α–β model and to the same patterns without emulation."})
public final class BenchCommCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--workers", defaultValue = "8", description = "M, a power of two (default ${DEFAULT-VALUE})")
    int workers;

    @Option(names = "--payload", defaultValue = "9MB", description = "vector bytes per worker (default ${DEFAULT-VALUE})")
    String payload;

    @Option(names = "--emulate-latency", defaultValue = "50ms", description = "α per message (default ${DEFAULT-VALUE})")
    String latency;

    @Option(names = "--emulate-bandwidth", defaultValue = "1gbit",
            description = "per-link bandwidth 1/β (default ${DEFAULT-VALUE})")
    String bandwidth;

    @Option(names = "--reps", defaultValue = "5", description = "timed iterations per pattern (default ${DEFAULT-VALUE})")
    int reps;

    @Option(names = "--json", description = "print one JSON object on stdout")
    boolean json;

    @Override
    public Integer call() throws Exception {
        long bytes = ByteSize.parse("--payload", payload);
        Duration alpha = LinkEmulation.parseLatency("--emulate-latency", latency);
        long rate = LinkEmulation.parseBandwidth("--emulate-bandwidth", bandwidth);
        if (reps < 1) {
            throw new ParameterException(spec.commandLine(), "--reps: must be >= 1, got " + reps);
        }
        PrintWriter err = spec.commandLine().getErr();
        err.printf(Locale.ROOT, "bench comm: M=%d, payload %d bytes, latency %s, bandwidth %d B/s, %d reps%n",
                workers, bytes, alpha, rate, reps);
        err.flush();
        List<CommBench.Pattern> results = CommBench.run(new CommBench.Options(workers, bytes, alpha, rate, reps),
                msg -> { });
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("workers", workers);
            o.put("payloadBytes", bytes);
            o.put("latencySeconds", alpha.toNanos() / 1e9);
            o.put("bytesPerSecond", rate);
            o.put("patterns", results);
            out.println(JsonOutput.toJson(o));
        } else {
            out.printf(Locale.ROOT, "%-20s %10s %10s %10s %14s%n", "pattern", "model ms", "measured", "ratio",
                    "no-emulation");
            for (CommBench.Pattern p : results) {
                out.printf(Locale.ROOT, "%-20s %10.1f %10.1f %10.2f %14.1f%n", p.name(), p.modelSeconds() * 1e3,
                        p.measuredSeconds() * 1e3, p.measuredSeconds() / p.modelSeconds(),
                        p.unemulatedSeconds() * 1e3);
            }
        }
        out.flush();
        return 0;
    }
}
