package io.dgan.transport.grpc.bench;

import io.dgan.transport.MessageTag;
import io.dgan.transport.grpc.GrpcTransport;
import io.dgan.transport.grpc.GrpcTransportConfig;
import io.dgan.transport.grpc.PeerDirectory;
import io.dgan.transport.grpc.TransportListener;
import io.dgan.transport.grpc.WireFormat;

import java.nio.FloatBuffer;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * One of the two processes of {@code dgan bench transport}. Both ranks alternate, repetition by repetition, a gRPC
 * exchange and a raw-TCP exchange of the same vector (so that noise from other processes hits both alike), and print
 * one line per timed repetition on stdout: {@code grpc <seconds> <cpu seconds>} or {@code tcp <seconds> <cpu seconds>}.
 *
 * <p>Patterns: {@code exchange} (both ranks send and receive at once, as in a gossip round) or {@code oneway}
 * (rank 0 sends, rank 1 receives and answers with 4 floats).
 */
public final class BenchPeer {
    private BenchPeer() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> a = parse(args);
        int rank = Integer.parseInt(a.get("rank"));
        int peer = 1 - rank;
        int floats = Integer.parseInt(a.get("floats"));
        int reps = Integer.parseInt(a.get("reps"));
        int warmup = Integer.parseInt(a.get("warmup"));
        int maxWarmup = Math.max(warmup, Integer.parseInt(a.getOrDefault("max-warmup", a.get("warmup"))));
        boolean oneway = "oneway".equals(a.get("pattern"));
        String[] grpcPorts = a.get("grpc-ports").split(",");
        int tcpPort = Integer.parseInt(a.get("tcp-port"));

        GrpcTransportConfig config = GrpcTransportConfig.builder("bench", rank, 2)
                .bindHost("127.0.0.1").port(Integer.parseInt(grpcPorts[rank]))
                .wire(WireFormat.parse(a.getOrDefault("wire", "float32")))
                .chunkBytes(Integer.parseInt(a.get("chunk-bytes")))
                .flowControlWindow(Integer.parseInt(a.get("window")))
                .writeBufferHighWater(Integer.parseInt(a.getOrDefault("high-water", "4194304")))
                .readBufferMax(Integer.parseInt(a.getOrDefault("read-buffer", "1048576")))
                .checksums(Boolean.parseBoolean(a.getOrDefault("checksums", "true")))
                .maxFrameBytes(Integer.parseInt(a.getOrDefault("frame", "1048576")))
                .vectorLengths(floats)
                .tls(a.containsKey("tls-dir") ? io.dgan.transport.grpc.tls.GossipTls.fromDirectory(
                        java.nio.file.Path.of(a.get("tls-dir"))) : null)
                .connectTimeout(Duration.ofSeconds(60))
                .build();
        PeerDirectory peers = PeerDirectory.list(List.of("127.0.0.1:" + grpcPorts[0], "127.0.0.1:" + grpcPorts[1]), 2);

        FloatBuffer src = FloatBuffer.allocate(floats);
        SplittableRandom random = new SplittableRandom(rank);
        for (int i = 0; i < floats; i++) {
            src.put(i, (float) random.nextGaussian());
        }
        FloatBuffer dst = FloatBuffer.allocate(floats);
        FloatBuffer small = FloatBuffer.allocate(4);
        ExecutorService writer = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "raw-tcp-writer");
            t.setDaemon(true);
            return t;
        });

        try (GrpcTransport grpc = new GrpcTransport(config, peers, TransportListener.NONE,
                msg -> System.err.println("[bench rank " + rank + "] " + msg));
             RawTcpLink tcp = rank == 0 ? RawTcpLink.accept(tcpPort, floats * 4)
                     : RawTcpLink.connect(tcpPort, floats * 4, 60_000)) {
            grpc.awaitPeers(List.of(peer));
            FloatBuffer flag = FloatBuffer.allocate(1);
            FloatBuffer theirFlag = FloatBuffer.allocate(1);
            int rep = 0;
            long jitBefore = compileMillis();
            double[] windowJit = new double[QUIET_WINDOW];
            double[] windowWall = new double[QUIET_WINDOW];
            // Warm-up: at least `warmup` repetitions, then on until neither process's JIT compilers spent more than
            // JIT_QUIET of the wall time of the last QUIET_WINDOW repetitions (or max-warmup is reached): the
            // compiler threads otherwise take a share of the 2 cores during the timed repetitions.
            while (rep < maxWarmup) {
                long w0 = System.nanoTime();
                long j0 = compileMillis();
                repetition(rep, false, grpc, tcp, writer, oneway, rank, peer, src, dst, small);
                windowWall[rep % QUIET_WINDOW] = (System.nanoTime() - w0) / 1e6;
                windowJit[rep % QUIET_WINDOW] = compileMillis() - j0;
                rep++;
                boolean busy = rep < QUIET_WINDOW
                        || java.util.Arrays.stream(windowJit).sum() > JIT_QUIET * java.util.Arrays.stream(windowWall).sum();
                // Both ranks must stop at the same repetition: exchange the verdicts (outside any timing).
                flag.put(0, busy ? 1f : 0f);
                if (rank == 0) {
                    tcp.send(flag);
                    tcp.receive(theirFlag);
                } else {
                    tcp.receive(theirFlag);
                    tcp.send(flag);
                }
                if (rep >= warmup && !busy && theirFlag.get(0) == 0f) {
                    break;
                }
            }
            long jitWarm = compileMillis();
            System.out.println("warmup " + rep + " " + (jitWarm - jitBefore) / 1e3);
            for (int timed = 0; timed < reps; timed++) {
                repetition(rep++, true, grpc, tcp, writer, oneway, rank, peer, src, dst, small);
            }
            System.out.println("jit " + (compileMillis() - jitWarm) / 1e3);
            System.out.println("done");
            System.out.flush();
        } finally {
            writer.shutdownNow();
        }
    }

    /** The JIT counts as quiet when it compiled less than this share of the last QUIET_WINDOW repetitions' time. */
    static final double JIT_QUIET = 0.05;
    static final int QUIET_WINDOW = 10;

    /** One gRPC exchange, then the same over raw TCP; prints both times when {@code timed}. */
    private static void repetition(int rep, boolean timed, GrpcTransport grpc, RawTcpLink tcp, ExecutorService writer,
                                   boolean oneway, int rank, int peer, FloatBuffer src, FloatBuffer dst,
                                   FloatBuffer small) throws Exception {
        // gRPC
        MessageTag tag = new MessageTag(0, rep, 0, 0);
        MessageTag back = new MessageTag(0, rep, 1, 0);
        long c0 = cpu();
        long t0 = System.nanoTime();
        if (!oneway) {
            grpc.send(peer, tag, src);
            grpc.receive(peer, tag, dst);
        } else if (rank == 0) {
            grpc.send(peer, tag, src);
            grpc.receive(peer, back, small);
        } else {
            grpc.receive(peer, tag, dst);
            grpc.send(peer, back, small);
        }
        long t1 = System.nanoTime();
        if (timed) {
            System.out.println("grpc " + (t1 - t0) / 1e9 + " " + (cpu() - c0) / 1e9);
        }
        // raw TCP
        c0 = cpu();
        t0 = System.nanoTime();
        if (!oneway) {
            Future<?> sent = writer.submit(() -> {
                tcp.send(src);
                return null;
            });
            tcp.receive(dst);
            sent.get();
        } else if (rank == 0) {
            tcp.send(src);
            tcp.receive(small);
        } else {
            tcp.receive(dst);
            tcp.send(small);
        }
        t1 = System.nanoTime();
        if (timed) {
            System.out.println("tcp " + (t1 - t0) / 1e9 + " " + (cpu() - c0) / 1e9);
        }
        System.out.flush();
    }

    /** Milliseconds the JIT compilers spent so far (0 if the JVM does not tell). */
    private static long compileMillis() {
        java.lang.management.CompilationMXBean jit = java.lang.management.ManagementFactory.getCompilationMXBean();
        return jit != null && jit.isCompilationTimeMonitoringSupported() ? jit.getTotalCompilationTime() : 0;
    }

    /** CPU time of the whole process (all threads, netty's included), in ns. */
    private static long cpu() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
                .getOperatingSystemMXBean()).getProcessCpuTime();
    }

    private static Map<String, String> parse(String[] args) {
        Map<String, String> map = new HashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            map.put(args[i].replaceFirst("^--", ""), args[i + 1]);
        }
        return map;
    }
}
