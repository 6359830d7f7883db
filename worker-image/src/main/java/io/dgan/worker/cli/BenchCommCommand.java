package io.dgan.worker.cli;

import io.dgan.transport.grpc.LinkEmulation;
import io.dgan.transport.grpc.bench.CommBench;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
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
                + "over gRPC on loopback (M worker processes, or threads with --threads) with emulated latency and "
                + "per-node egress bandwidth, next to the α–β model and to the same patterns without emulation.",
                "The model and the emulation assume the same: 1/β is each node's egress bandwidth (shared by its "
                + "links, full duplex), α is paid once per message. When the host's own cost of the patterns is not "
                + "small against the model, the emulation is time-dilated by k (latency k·α, bandwidth 1/(kβ), "
                + "times divided by k); --time-dilation auto picks k from the unemulated times."})
public final class BenchCommCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--workers", defaultValue = "8", description = "M, a power of two (default ${DEFAULT-VALUE})")
    int workers;

    @Option(names = "--payload", defaultValue = "9MB", description = "vector bytes per worker (default ${DEFAULT-VALUE})")
    String payload;

    @Mixin
    EmulationOptions emulation = new EmulationOptions("50ms", "1gbit");

    @Option(names = "--reps", defaultValue = "5", description = "timed iterations per pattern (default ${DEFAULT-VALUE})")
    int reps;

    @Option(names = "--threads", description = "run the M workers as threads of this JVM instead of processes")
    boolean threads;

    @Option(names = "--time-dilation", defaultValue = "auto",
            description = "auto, or a factor k >= 1: emulate k·α and 1/(kβ), divide times by k (default ${DEFAULT-VALUE})")
    String dilation;

    @Option(names = "--json", description = "print one JSON object on stdout")
    boolean json;

    @Override
    public Integer call() throws Exception {
        long bytes = ByteSize.parse("--payload", payload);
        LinkEmulation links = emulation.parse(spec.commandLine());
        Duration alpha = links.latency();
        long rate = links.bytesPerSecond();
        if (reps < 1) {
            throw new ParameterException(spec.commandLine(), "--reps: must be >= 1, got " + reps);
        }
        double k;
        if (dilation.equals("auto")) {
            k = 0;
        } else {
            try {
                k = Double.parseDouble(dilation);
            } catch (NumberFormatException e) {
                k = -1;
            }
            if (!(k >= 1)) {
                throw new ParameterException(spec.commandLine(), "--time-dilation: expected auto or a factor >= 1, got '"
                        + dilation + "'");
            }
        }
        PrintWriter err = spec.commandLine().getErr();
        err.printf(Locale.ROOT, "bench comm: M=%d %s, payload %d bytes, latency %s, egress bandwidth %d B/s per node, "
                        + "%d reps, time dilation %s%n", workers, threads ? "threads" : "processes", bytes, alpha, rate,
                reps, dilation);
        err.flush();
        CommBench.Result full = CommBench.runFull(new CommBench.Options(workers, bytes, alpha, rate, reps, !threads, k),
                msg -> { });
        List<CommBench.Pattern> results = full.patterns();
        double gossip = results.get(0).measuredSeconds();
        double allReduce = results.get(2).measuredSeconds();
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("workers", workers);
            o.put("payloadBytes", bytes);
            o.put("latencySeconds", alpha.toNanos() / 1e9);
            o.put("bytesPerSecond", rate);
            o.put("processes", !threads);
            o.put("timeDilation", full.dilation());
            o.put("hostGossipGBps", full.hostGossipGBps());
            o.put("emulatedAggregateGBps", full.emulatedAggregateGBps());
            o.put("patterns", results);
            o.put("gossipOverAllReduce", gossip / allReduce);
            out.println(JsonOutput.toJson(o));
        } else {
            out.printf(Locale.ROOT, "%-20s %10s %10s %10s %14s%n", "pattern", "model ms", "measured", "ratio",
                    "no-emulation");
            for (CommBench.Pattern p : results) {
                out.printf(Locale.ROOT, "%-20s %10.1f %10.1f %10.2f %14.1f%n", p.name(), p.modelSeconds() * 1e3,
                        p.measuredSeconds() * 1e3, p.measuredSeconds() / p.modelSeconds(),
                        p.unemulatedSeconds() * 1e3);
            }
            out.printf(Locale.ROOT, "ring gossip / all-reduce (measured) %.2f, model %.2f; time dilation k = %.0f%n",
                    gossip / allReduce, results.get(0).modelSeconds() / results.get(2).modelSeconds(),
                    full.dilation());
            out.printf(Locale.ROOT, "host: unemulated ring gossip moved %.3f GB/s in aggregate; the emulated links "
                    + "carry up to %.3f GB/s (M/β), %.3f GB/s after dilation%n", full.hostGossipGBps(),
                    full.emulatedAggregateGBps(), full.emulatedAggregateGBps() / full.dilation());
        }
        out.flush();
        return 0;
    }
}
