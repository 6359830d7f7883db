package io.dgan.worker.cli;

import io.dgan.worker.bench.MixingBenchmark;
import io.dgan.worker.bench.MixingBenchmark.SizeResult;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** {@code dgan bench mixing}: the gossip mixing kernel against a plain float[] loop, heap and direct buffers. */
@Command(name = "mixing", mixinStandardHelpOptions = true,
        description = {"Mix a ring round in place (self + 2 neighbours, weights 1/3) with the engine's kernel on heap "
                + "and on direct buffers, and with a plain Java float[] loop on the same data, in the same run.",
                "Prints throughput, the engine/loop ratio (target >= 0.9) and bytes allocated per call (target 0)."})
public final class BenchMixingCommand implements Runnable {
    static final double TARGET_RATIO = 0.9;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--sizes", defaultValue = "1M,10M", paramLabel = "N[,N...]",
            description = "Vector lengths in floats, K = 10^3, M = 10^6 (default ${DEFAULT-VALUE}).")
    String sizes;

    @Option(names = "--repetitions", defaultValue = "15", description = "Minimum timed rounds per variant (more for small vectors, to cover 50M elements; default ${DEFAULT-VALUE}).")
    int repetitions;

    @Option(names = "--warmup", defaultValue = "10", description = "Minimum untimed rounds per variant first (more for small vectors, to cover 300M elements; default ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--json", description = "Print one JSON object on stdout (progress goes to stderr).")
    boolean json;

    @Override
    public void run() {
        int[] lengths = MixingBenchmark.parseSizes(sizes);
        if (repetitions < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--repetitions: expected at least 1, got " + repetitions);
        }
        if (warmup < 0) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--warmup: expected at least 0, got " + warmup);
        }
        PrintWriter err = spec.commandLine().getErr();
        MixingBenchmark bench = new MixingBenchmark(warmup, repetitions, line -> {
            err.println(line);
            err.flush();
        });
        List<SizeResult> results = new ArrayList<>();
        for (int n : lengths) {
            results.add(bench.run(n));
        }
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            Map<String, Object> doc = new LinkedHashMap<>();
            doc.put("benchmark", "mixing");
            doc.put("targetRatio", TARGET_RATIO);
            doc.put("targetBytesAllocatedPerCall", 0);
            doc.put("availableProcessors", Runtime.getRuntime().availableProcessors());
            doc.put("javaVersion", System.getProperty("java.version"));
            doc.put("bufferPath", io.dgan.gossip.MixingKernel.bufferPath());
            doc.put("loadAverage", io.dgan.worker.bench.InterleavedRunner.loadAverage());
            doc.put("results", results);
            out.println(JsonOutput.toJson(doc));
        } else {
            out.printf("%-10s %-7s %10s %9s %12s %8s %10s %s%n", "floats", "variant", "median ms", "GB/s",
                    "Gfloats/s", "vs loop", "bytes/call", "");
            for (SizeResult r : results) {
                row(out, r.floats(), "loop", r.loop(), Double.NaN, Double.NaN, "");
                row(out, r.floats(), "heap", r.heap().timing(), r.heap().ratioToLoop(),
                        r.heap().bytesAllocatedPerCall(), verdict(r.heap()));
                row(out, r.floats(), "direct", r.direct().timing(), r.direct().ratioToLoop(),
                        r.direct().bytesAllocatedPerCall(), verdict(r.direct()));
                out.printf("%-10d results bit-identical across loop, heap and direct: %s%n", r.floats(),
                        r.bitIdentical() ? "yes" : "NO");
            }
            out.println("GB/s counts 16 bytes touched per element (3 floats read, 1 written); median of the "
                    + "interleaved timed rounds; on a shared machine these figures are noisy.");
            out.println("java " + System.getProperty("java.version") + ", " + Runtime.getRuntime().availableProcessors()
                    + " processors, load average " + io.dgan.worker.bench.InterleavedRunner.loadAverage()
                    + "; direct buffers: " + io.dgan.gossip.MixingKernel.bufferPath());
        }
        out.flush();
    }

    private static String verdict(MixingBenchmark.EngineResult e) {
        boolean ok = e.ratioToLoop() >= TARGET_RATIO && e.bytesAllocatedPerCall() == 0;
        return ok ? "meets target" : "BELOW TARGET";
    }

    private static void row(PrintWriter out, int floats, String variant, MixingBenchmark.Timing t, double ratio,
                            double bytes, String note) {
        out.printf("%-10d %-7s %10.3f %9.2f %12.3f %8s %10s %s%n", floats, variant, t.medianSeconds() * 1e3,
                t.gigabytesPerSecond(), t.floatsPerSecond() / 1e9,
                Double.isNaN(ratio) ? "" : String.format("%.2f", ratio),
                Double.isNaN(bytes) ? "" : String.format("%.0f", bytes), note);
    }
}
