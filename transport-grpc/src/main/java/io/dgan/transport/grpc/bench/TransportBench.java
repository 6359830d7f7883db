package io.dgan.transport.grpc.bench;

import io.dgan.bench.ChildJvm;
import io.dgan.transport.grpc.FreePorts;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Runs {@link BenchPeer} as two child JVMs on loopback and reduces their timings: per repetition the slower rank's
 * time counts, then the median over repetitions; throughput is the vector's bytes (float32, 4 per element) over
 * that time, for the gRPC transport and for the raw-TCP reference measured in the same processes, interleaved.
 */
public final class TransportBench {
    /**
     * @param bytes      vector size in bytes as float32 (elements = bytes / 4)
     * @param pattern    "exchange" (both directions at once) or "oneway"
     * @param chunkBytes gRPC chunk payload size
     * @param window     HTTP/2 flow-control window
     * @param highWater  Netty write high-water mark (0: Netty's default)
     * @param readBuffer Netty's largest read buffer (0: Netty's default)
     * @param checksums  whether gRPC chunks carry a CRC-32C
     * @param frameBytes largest HTTP/2 frame the receiver announces (0: HTTP/2's 16 KiB)
     * @param warmup     untimed repetitions at least
     * @param maxWarmup  untimed repetitions at most: after {@code warmup}, both processes go on until their JIT
     *                   compilers have been quiet for a few repetitions (≤ maxWarmup; = warmup for a fixed count)
     * @param tls        mutual TLS on the gRPC transport
     * @param compareTls also a second gRPC transport with mutual TLS, interleaved with the first (plaintext unless
     *                   {@code tls}) and raw TCP in every repetition
     */
    public record Options(long bytes, int reps, int warmup, int maxWarmup, String wire, String pattern, int chunkBytes, int window,
                          int highWater, int readBuffer, boolean checksums, int frameBytes,
                          List<String> jvmOptions, boolean tls, boolean compareTls) {
        public Options(long bytes, int reps, int warmup, int maxWarmup, String wire, String pattern, int chunkBytes,
                       int window, int highWater, int readBuffer, boolean checksums, int frameBytes,
                       List<String> jvmOptions, boolean tls) {
            this(bytes, reps, warmup, maxWarmup, wire, pattern, chunkBytes, window, highWater, readBuffer, checksums,
                    frameBytes, jvmOptions, tls, false);
        }

        /** Plaintext gRPC (as before mutual TLS existed). */
        public Options(long bytes, int reps, int warmup, int maxWarmup, String wire, String pattern, int chunkBytes,
                       int window, int highWater, int readBuffer, boolean checksums, int frameBytes,
                       List<String> jvmOptions) {
            this(bytes, reps, warmup, maxWarmup, wire, pattern, chunkBytes, window, highWater, readBuffer, checksums,
                    frameBytes, jvmOptions, false);
        }
    }

    /**
     * Times are medians over repetitions of the slower rank; CPU is both processes' CPU seconds over all repetitions
     * per GB moved (a figure that noise from other processes on the machine disturbs less). {@code tls} holds the
     * mutual-TLS transport's figures when it was compared (else null).
     */
    public record Result(Options options, long floats, double grpcSeconds, double tcpSeconds, double grpcGBps,
                         double tcpGBps, double ratio, double grpcCpuSecondsPerGB, double tcpCpuSecondsPerGB,
                         double[] grpcSamples, double[] tcpSamples, int warmupReps,
                         double jitSecondsTimed, TlsResult tls) {
    }

    /**
     * The mutual-TLS gRPC transport measured in the same repetitions: its median time (slower rank), throughput,
     * ratio to raw TCP, its ratio over the plaintext transport's ratio (1 = no cost; the target is >= 0.8), CPU per
     * GB moved, and the paired per-repetition ratio plaintext time / TLS time (median over repetitions).
     */
    public record TlsResult(double seconds, double gbps, double ratio, double ratioToPlaintext,
                            double cpuSecondsPerGB, double pairedRatioToPlaintext, double[] samples) {
    }

    private TransportBench() {
    }

    public static Result run(Options o, Consumer<String> log) {
        if (o.bytes < 4 || o.bytes % 4 != 0 || o.bytes / 4 > Integer.MAX_VALUE / 4) {
            throw new IllegalArgumentException("--size: expected a multiple of 4 bytes up to 2 GiB, got " + o.bytes);
        }
        int floats = (int) (o.bytes / 4);
        int[] ports = FreePorts.pick(o.compareTls ? 5 : 3);
        List<Process> processes = new ArrayList<>();
        Path tlsDir = null;
        try {
            if (o.tls || o.compareTls) {
                // Mutual TLS between the two gRPC peers, as between workers: a CA and a certificate per rank.
                tlsDir = java.nio.file.Files.createTempDirectory("dgan-bench-tls-");
                io.dgan.transport.grpc.tls.GossipCertificates ca =
                        io.dgan.transport.grpc.tls.GossipCertificates.newAuthority("bench");
                for (int rank = 0; rank < 2; rank++) {
                    ca.issue(rank, List.of("localhost")).writeTo(tlsDir.resolve("rank-" + rank));
                }
            }
            for (int rank = 0; rank < 2; rank++) {
                List<String> cmd = new ArrayList<>();
                cmd.add(ChildJvm.java());
                cmd.addAll(ChildJvm.inheritedOptionsWithoutVectorModule());
                for (String option : o.jvmOptions) {
                    cmd.add(option.replace("{rank}", Integer.toString(rank)));
                }
                cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), BenchPeer.class.getName(),
                        "--rank", Integer.toString(rank), "--floats", Integer.toString(floats),
                        "--reps", Integer.toString(o.reps), "--warmup", Integer.toString(o.warmup),
                        "--max-warmup", Integer.toString(o.maxWarmup),
                        "--pattern", o.pattern, "--wire", o.wire,
                        "--chunk-bytes", Integer.toString(o.chunkBytes), "--window", Integer.toString(o.window),
                        "--high-water", Integer.toString(o.highWater), "--read-buffer", Integer.toString(o.readBuffer),
                        "--checksums", Boolean.toString(o.checksums), "--frame", Integer.toString(o.frameBytes),
                        "--grpc-ports", ports[0] + "," + ports[1], "--tcp-port", Integer.toString(ports[2])));
                if (tlsDir != null && o.tls) {
                    cmd.addAll(List.of("--tls-dir", tlsDir.resolve("rank-" + rank).toString()));
                }
                if (o.compareTls) {
                    cmd.addAll(List.of("--compare-tls-dir", tlsDir.resolve("rank-" + rank).toString(),
                            "--tls-ports", ports[3] + "," + ports[4]));
                }
                processes.add(new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start());
            }
            // Both children's output is read at once: a child whose pipe is not drained blocks on its next line
            // (a pipe holds ~64 KiB, about 1,000 repetitions), and the other child then waits for it forever.
            List<CompletableFuture<RankOutput>> reading = new ArrayList<>();
            for (Process p : processes) {
                reading.add(CompletableFuture.supplyAsync(() -> RankOutput.read(p),
                        runnable -> {
                            Thread t = new Thread(runnable, "bench-output");
                            t.setDaemon(true);
                            t.start();
                        }));
            }
            List<RankOutput> outputs = new ArrayList<>();
            for (int rank = 0; rank < processes.size(); rank++) {
                Process p = processes.get(rank);
                RankOutput out;
                try {
                    out = reading.get(rank).get();
                } catch (ExecutionException e) {
                    throw e.getCause() instanceof UncheckedIOException u ? u : new IllegalStateException(e.getCause());
                }
                if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0 || !out.done) {
                    throw new IllegalStateException("bench process failed (exit "
                            + (p.isAlive() ? "still running" : p.exitValue()) + "); see its stderr above");
                }
                outputs.add(out);
            }
            List<List<Double>> grpc = outputs.stream().map(r -> r.grpc).toList();
            List<List<Double>> tcp = outputs.stream().map(r -> r.tcp).toList();
            List<List<Double>> grpcCpu = outputs.stream().map(r -> r.grpcCpu).toList();
            List<List<Double>> tcpCpu = outputs.stream().map(r -> r.tcpCpu).toList();
            List<List<Double>> tls = outputs.stream().map(r -> r.tls).toList();
            List<List<Double>> tlsCpu = outputs.stream().map(r -> r.tlsCpu).toList();
            int warmupReps = outputs.stream().mapToInt(r -> r.warmupReps).max().orElse(-1);
            double jitTimed = outputs.stream().mapToDouble(r -> r.jitSeconds).sum();
            double[] grpcSamples = slowerRank(grpc);
            double[] tcpSamples = slowerRank(tcp);
            double g = median(grpcSamples);
            double t = median(tcpSamples);
            // Bytes moved per repetition: one vector per direction that carries one.
            double gb = o.bytes * ("oneway".equals(o.pattern) ? 1 : 2) / 1e9;
            TlsResult tlsResult = null;
            if (o.compareTls) {
                double[] tlsSamples = slowerRank(tls);
                double s = median(tlsSamples);
                double[] paired = new double[Math.min(tlsSamples.length, grpcSamples.length)];
                for (int i = 0; i < paired.length; i++) {
                    paired[i] = grpcSamples[i] / tlsSamples[i];
                }
                tlsResult = new TlsResult(s, o.bytes / s / 1e9, t / s, g / s,
                        total(tlsCpu) / (gb * tlsSamples.length), median(paired), tlsSamples);
            }
            Result r = new Result(o, floats, g, t, o.bytes / g / 1e9, o.bytes / t / 1e9, t / g,
                    total(grpcCpu) / (gb * grpcSamples.length), total(tcpCpu) / (gb * tcpSamples.length),
                    grpcSamples, tcpSamples, warmupReps, jitTimed, tlsResult);
            log.accept(String.format("gRPC %.3f GB/s, raw TCP %.3f GB/s, ratio %.2f; CPU s/GB gRPC %.2f, TCP %.2f; "
                            + "%d warm-up reps, JIT %.2f s during the timed ones", r.grpcGBps, r.tcpGBps, r.ratio,
                    r.grpcCpuSecondsPerGB, r.tcpCpuSecondsPerGB, warmupReps, jitTimed));
            return r;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } finally {
            for (Process p : processes) {
                p.destroyForcibly();
            }
            if (tlsDir != null) {
                try (java.util.stream.Stream<Path> files = java.nio.file.Files.walk(tlsDir)) {
                    files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
                } catch (IOException ignored) {
                    // a temporary directory left behind is harmless
                }
            }
        }
    }

    /** What one child printed: per-repetition seconds and CPU seconds per transport, its warm-up, its JIT time. */
    private static final class RankOutput {
        final List<Double> grpc = new ArrayList<>();
        final List<Double> grpcCpu = new ArrayList<>();
        final List<Double> tls = new ArrayList<>();
        final List<Double> tlsCpu = new ArrayList<>();
        final List<Double> tcp = new ArrayList<>();
        final List<Double> tcpCpu = new ArrayList<>();
        int warmupReps = -1;
        double jitSeconds;
        boolean done;

        static RankOutput read(Process p) {
            RankOutput r = new RankOutput();
            try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(),
                    StandardCharsets.UTF_8))) {
                String line;
                while ((line = out.readLine()) != null) {
                    r.accept(line.split(" "), line);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return r;
        }

        private void accept(String[] f, String line) {
            if (f[0].equals("grpc") && f.length == 3) {
                grpc.add(Double.parseDouble(f[1]));
                grpcCpu.add(Double.parseDouble(f[2]));
            } else if (f[0].equals("grpctls") && f.length == 3) {
                tls.add(Double.parseDouble(f[1]));
                tlsCpu.add(Double.parseDouble(f[2]));
            } else if (f[0].equals("tcp") && f.length == 3) {
                tcp.add(Double.parseDouble(f[1]));
                tcpCpu.add(Double.parseDouble(f[2]));
            } else if (f[0].equals("warmup") && f.length == 3) {
                warmupReps = Integer.parseInt(f[1]);
            } else if (f[0].equals("jit") && f.length == 2) {
                jitSeconds += Double.parseDouble(f[1]);
            } else if (line.equals("done")) {
                done = true;
            }
        }
    }

    private static double[] slowerRank(List<List<Double>> perRank) {
        int n = Math.min(perRank.get(0).size(), perRank.get(1).size());
        double[] out = new double[n];
        for (int i = 0; i < n; i++) {
            out[i] = Math.max(perRank.get(0).get(i), perRank.get(1).get(i));
        }
        return out;
    }

    /** Both ranks' CPU seconds over all repetitions (the OS counts CPU in 10 ms ticks: sum, don't take medians). */
    private static double total(List<List<Double>> perRank) {
        return perRank.stream().flatMap(List::stream).mapToDouble(Double::doubleValue).sum();
    }

    static double median(double[] values) {
        if (values.length == 0) {
            throw new IllegalStateException("no timed repetitions");
        }
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int m = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[m] : (sorted[m - 1] + sorted[m]) / 2;
    }

}
