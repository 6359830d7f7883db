package io.dgan.worker.cli;

import io.dgan.transport.grpc.bench.TransportBench;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code dgan bench transport}: two worker processes exchange a vector over the gRPC transport and, interleaved in
 * the same processes, over a raw NIO TCP socket; prints both throughputs and their ratio.
 */
@Command(name = "transport", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Throughput of the gRPC transport between two worker processes on loopback, against a raw "
                + "Java NIO TCP socket measured in the same processes (repetitions interleaved).",
                "Throughput = vector bytes (float32) / median time of the slower rank; target ratio >= 0.9 for vectors of 8 "
                        + "MiB or more (bandwidth-bound), >= 0.8 below (latency-bound)."})
public final class BenchTransportCommand implements Callable<Integer> {
    /** From this size on a vector is bandwidth-bound and the ratio's target is {@link #LARGE_TARGET}. */
    static final long LARGE_BYTES = 8L << 20;
    static final double LARGE_TARGET = 0.9;
    static final double SMALL_TARGET = 0.8;

    static double targetRatio(long bytes) {
        return bytes >= LARGE_BYTES ? LARGE_TARGET : SMALL_TARGET;
    }

    @Spec
    CommandSpec spec;

    @Option(names = "--size", defaultValue = "40MiB", description = "vector size as float32 (default ${DEFAULT-VALUE})")
    String size;

    @Option(names = "--reps", defaultValue = "20", description = "timed repetitions (default ${DEFAULT-VALUE})")
    int reps;

    @Option(names = "--warmup", defaultValue = "10",
            description = "untimed repetitions first, at least (default ${DEFAULT-VALUE})")
    int warmup;

    @Option(names = "--max-warmup", defaultValue = "500",
            description = "untimed repetitions at most: after --warmup, both processes go on until their JIT "
                    + "compilers were quiet (< 5 %% of the wall time of their last repetitions, at least 10 and at least 1 s of them); "
                    + "= --warmup for a fixed count (default ${DEFAULT-VALUE})")
    int maxWarmup;

    @Option(names = "--pattern", defaultValue = "exchange",
            description = "exchange (both ranks send and receive at once, like gossip) | oneway (default ${DEFAULT-VALUE})")
    String pattern;

    @Option(names = "--wire", defaultValue = "float32", description = "float32 | bf16 (default ${DEFAULT-VALUE})")
    String wire;

    @Option(names = "--chunk", defaultValue = "1MiB", description = "gRPC chunk payload (default ${DEFAULT-VALUE})")
    String chunk;

    @Option(names = "--window", defaultValue = "32MiB", description = "HTTP/2 flow-control window (default ${DEFAULT-VALUE})")
    String window;

    @Option(names = "--high-water", defaultValue = "4MiB",
            description = "Netty write high-water mark, 0 = Netty's 64 KiB (default ${DEFAULT-VALUE})")
    String highWater;

    @Option(names = "--read-buffer", defaultValue = "1MiB",
            description = "largest Netty read buffer, 0 = Netty's 64 KiB (default ${DEFAULT-VALUE})")
    String readBuffer;

    @Option(names = "--frame", defaultValue = "1MiB",
            description = "largest HTTP/2 frame the receiver announces, 0 = HTTP/2's 16 KiB (default ${DEFAULT-VALUE})")
    String frame;

    @Option(names = "--no-checksums", description = "send chunks without CRC-32C")
    boolean noChecksums;

    @Option(names = "--tls", description = "mutual TLS between the gRPC peers (a CA and a certificate per rank, "
            + "as between workers); the raw TCP baseline stays plaintext")
    boolean tls;

    @Option(names = "--compare-tls", description = "also measure gRPC with mutual TLS (a CA of the run and a "
            + "certificate per rank, as between local workers), interleaved with the plaintext transport and raw "
            + "TCP in every repetition, and print the TLS ratio over the plaintext one (target >= 0.8)")
    boolean compareTls;

    @Option(names = "--json", description = "print one JSON object on stdout")
    boolean json;

    @Option(names = "--peer-jvm-opt", description = "extra JVM option for both bench processes, repeatable, after "
            + "the options they inherit from this JVM (e.g. -XX:StartFlightRecording=filename=/tmp/peer-{rank}.jfr to "
            + "profile them; {rank} becomes 0 or 1)")
    List<String> peerJvmOptions = new java.util.ArrayList<>();

    @Override
    public Integer call() {
        long bytes = ByteSize.parse("--size", size);
        if (bytes < 4 || bytes % 4 != 0 || bytes > (1L << 30)) {
            throw bad("--size", "expected a multiple of 4 bytes between 4 B and 1 GiB, got " + size);
        }
        if (reps < 1) {
            throw bad("--reps", "must be >= 1, got " + reps);
        }
        if (warmup < 0) {
            throw bad("--warmup", "must be >= 0, got " + warmup);
        }
        if (maxWarmup < warmup && maxWarmup != 0) {
            throw bad("--max-warmup", "must be >= --warmup (" + warmup + ") or 0, got " + maxWarmup);
        }
        if (!pattern.equals("exchange") && !pattern.equals("oneway")) {
            throw bad("--pattern", "expected exchange or oneway, got '" + pattern + "'");
        }
        if (!wire.equals("float32") && !wire.equals("bf16")) {
            throw bad("--wire", "expected float32 or bf16, got '" + wire + "'");
        }
        int chunkBytes = intSize("--chunk", chunk, 1024);
        int windowBytes = intSize("--window", window, 65535);
        int highWaterBytes = intSize("--high-water", highWater, 0);
        int readBufferBytes = intSize("--read-buffer", readBuffer, 0);
        int frameBytes = intSize("--frame", frame, 0);
        if (frameBytes != 0 && (frameBytes < 16384 || frameBytes > 16777215)) {
            throw bad("--frame", "expected 0 or 16KiB..16MiB-1, got " + frame);
        }
        if (compareTls && tls) {
            throw bad("--compare-tls", "compares plaintext with mutual TLS: leave out --tls");
        }
        if (chunkBytes % 4 != 0) {
            throw bad("--chunk", "must be a multiple of 4 bytes, got " + chunk);
        }

        PrintWriter err = spec.commandLine().getErr();
        err.printf(Locale.ROOT, "bench transport: %d bytes (%d floats), pattern %s, wire %s, %d..%d warm-up + %d "
                        + "timed repetitions, 2 processes on loopback%n", bytes, bytes / 4, pattern, wire, warmup,
                Math.max(warmup, maxWarmup), reps);
        err.flush();
        TransportBench.Result r = TransportBench.run(new TransportBench.Options(bytes, reps, warmup,
                Math.max(warmup, maxWarmup), wire, pattern,
                chunkBytes, windowBytes, highWaterBytes, readBufferBytes, !noChecksums, frameBytes,
                List.copyOf(peerJvmOptions), tls, compareTls), msg -> { });
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("bytes", bytes);
        out.put("targetRatio", targetRatio(bytes));
        out.put("floats", r.floats());
        out.put("pattern", pattern);
        out.put("wire", wire);
        out.put("tls", tls);
        out.put("repetitions", reps);
        out.put("warmupRepetitions", r.warmupReps());
        out.put("jitSecondsDuringTimed", r.jitSecondsTimed());
        out.put("grpcSeconds", r.grpcSeconds());
        out.put("tcpSeconds", r.tcpSeconds());
        out.put("grpcGBps", r.grpcGBps());
        out.put("tcpGBps", r.tcpGBps());
        out.put("ratio", r.ratio());
        out.put("grpcCpuSecondsPerGB", r.grpcCpuSecondsPerGB());
        out.put("tcpCpuSecondsPerGB", r.tcpCpuSecondsPerGB());
        out.put("grpcSamplesSeconds", r.grpcSamples());
        out.put("tcpSamplesSeconds", r.tcpSamples());
        if (r.tls() != null) {
            BenchTransportTls.put(out, r.tls());
        }
        out.put("settings", Map.of("chunkBytes", chunkBytes, "flowControlWindow", windowBytes,
                "writeHighWater", highWaterBytes, "readBufferMax", readBufferBytes, "checksums", !noChecksums,
                "maxFrameBytes", frameBytes));
        if (json) {
            PrintWriter stdout = spec.commandLine().getOut();
            stdout.println(JsonOutput.toJson(out));
            stdout.flush();
        } else {
            PrintWriter stdout = spec.commandLine().getOut();
            stdout.printf(Locale.ROOT, "gRPC     %.3f GB/s  (median %.1f ms, %.2f CPU s/GB)%n", r.grpcGBps(),
                    r.grpcSeconds() * 1e3, r.grpcCpuSecondsPerGB());
            stdout.printf(Locale.ROOT, "raw TCP  %.3f GB/s  (median %.1f ms, %.2f CPU s/GB)%n", r.tcpGBps(),
                    r.tcpSeconds() * 1e3, r.tcpCpuSecondsPerGB());
            double target = targetRatio(bytes);
            stdout.printf(Locale.ROOT, "ratio    %.2f x raw TCP (target >= %.1f: %s)%n", r.ratio(), target,
                    r.ratio() >= target ? "met" : "NOT MET");
            if (r.tls() != null) {
                BenchTransportTls.print(stdout, r.tls());
            }
            stdout.printf(Locale.ROOT, "warm-up  %d repetitions; JIT compiled %.2f s (both processes) during the "
                    + "timed ones%n", r.warmupReps(), r.jitSecondsTimed());
            stdout.flush();
        }
        return 0;
    }

    private int intSize(String flag, String text, long min) {
        long v = ByteSize.parse(flag, text);
        if (v < min || v > Integer.MAX_VALUE) {
            throw bad(flag, "expected between " + min + " bytes and 2 GiB, got " + text);
        }
        return (int) v;
    }

    private ParameterException bad(String flag, String message) {
        return Flags.bad(spec.commandLine(), flag, message);
    }
}
