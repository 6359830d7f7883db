package io.dgan.transport.grpc.bench;

import io.dgan.bench.JitWarmup;
import io.dgan.transport.MessageTag;
import io.dgan.transport.grpc.GrpcTransport;
import io.dgan.transport.grpc.GrpcTransportConfig;
import io.dgan.transport.grpc.PeerDirectory;
import io.dgan.transport.grpc.TransportListener;
import io.dgan.transport.grpc.WireFormat;
import io.dgan.transport.grpc.tls.GossipTls;

import java.nio.FloatBuffer;
import java.nio.file.Path;
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
 * With {@code --compare-tls-dir} a second gRPC transport, with mutual TLS on its own ports, takes its turn in every
 * repetition too, right after the plaintext one: {@code grpctls <seconds> <cpu seconds>}.
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

        GrpcTransportConfig config = config(a, rank, Integer.parseInt(grpcPorts[rank]), floats,
                a.containsKey("tls-dir") ? GossipTls.fromDirectory(Path.of(a.get("tls-dir"))) : null);
        PeerDirectory peers = PeerDirectory.list(List.of("127.0.0.1:" + grpcPorts[0], "127.0.0.1:" + grpcPorts[1]), 2);
        // --compare-tls-dir: a second gRPC transport, with mutual TLS, on its own ports.
        String[] tlsPorts = a.containsKey("compare-tls-dir") ? a.get("tls-ports").split(",") : null;
        GrpcTransportConfig tlsConfig = tlsPorts == null ? null : config(a, rank, Integer.parseInt(tlsPorts[rank]),
                floats, GossipTls.fromDirectory(Path.of(a.get("compare-tls-dir"))));
        PeerDirectory tlsPeers = tlsPorts == null ? null
                : PeerDirectory.list(List.of("127.0.0.1:" + tlsPorts[0], "127.0.0.1:" + tlsPorts[1]), 2);

        FloatBuffer src = FloatBuffer.allocate(floats);
        SplittableRandom random = new SplittableRandom(rank);
        for (int i = 0; i < floats; i++) {
            src.put(i, (float) random.nextGaussian());
        }
        Buffers b = new Buffers(src, FloatBuffer.allocate(floats), FloatBuffer.allocate(4));
        ExecutorService writer = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "raw-tcp-writer");
            t.setDaemon(true);
            return t;
        });

        try (GrpcTransport grpc = new GrpcTransport(config, peers, TransportListener.NONE,
                msg -> System.err.println("[bench rank " + rank + "] " + msg));
             GrpcTransport grpcTls = tlsConfig == null ? null : new GrpcTransport(tlsConfig, tlsPeers,
                     TransportListener.NONE, msg -> System.err.println("[bench rank " + rank + "] " + msg));
             RawTcpLink tcp = rank == 0 ? RawTcpLink.accept(tcpPort, floats * 4)
                     : RawTcpLink.connect(tcpPort, floats * 4, 60_000)) {
            grpc.awaitPeers(List.of(peer));
            if (grpcTls != null) {
                grpcTls.awaitPeers(List.of(peer));
            }
            Peers links = new Peers(grpc, grpcTls, tcp, writer, oneway, rank, peer);
            FloatBuffer flag = FloatBuffer.allocate(1);
            FloatBuffer theirFlag = FloatBuffer.allocate(1);
            int rep = 0;
            long jitBefore = compileMillis();
            JitWarmup jit = new JitWarmup();
            // Warm-up: at least `warmup` repetitions, then on until neither process's JIT compilers spent more than
            // JitWarmup.QUIET_SHARE of the wall time of their last repetitions (at least JitWarmup.WINDOW of them and
            // JitWarmup.WINDOW_MS; or max-warmup is reached): the compiler threads otherwise take a share of the 2
            // cores during the timed repetitions.
            while (rep < maxWarmup) {
                jit.begin();
                repetition(rep, null, links, b);
                jit.end();
                rep++;
                boolean busy = !jit.quiet();
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
            System.out.flush();
            // The timings are kept in memory and printed after the last timed repetition: a line written per
            // repetition would wake the parent's reader thread in the middle of the next measurement.
            StringBuilder timings = new StringBuilder(reps * 96);
            for (int timed = 0; timed < reps; timed++) {
                repetition(rep++, timings, links, b);
            }
            System.out.print(timings);
            System.out.println("jit " + (compileMillis() - jitWarm) / 1e3);
            System.out.println("done");
            System.out.flush();
        } finally {
            writer.shutdownNow();
        }
    }

    private static GrpcTransportConfig config(Map<String, String> a, int rank, int port, int floats, GossipTls tls) {
        return GrpcTransportConfig.builder("bench", rank, 2)
                .bindHost("127.0.0.1").port(port)
                .wire(WireFormat.parse(a.getOrDefault("wire", "float32")))
                .chunkBytes(Integer.parseInt(a.get("chunk-bytes")))
                .flowControlWindow(Integer.parseInt(a.get("window")))
                .writeBufferHighWater(Integer.parseInt(a.getOrDefault("high-water", "4194304")))
                .readBufferMax(Integer.parseInt(a.getOrDefault("read-buffer", "1048576")))
                .checksums(Boolean.parseBoolean(a.getOrDefault("checksums", "true")))
                .maxFrameBytes(Integer.parseInt(a.getOrDefault("frame", "1048576")))
                .vectorLengths(floats)
                .tls(tls)
                .connectTimeout(Duration.ofSeconds(60))
                .build();
    }

    /** The links of one process: gRPC, gRPC with mutual TLS (or null), raw TCP. */
    private record Peers(GrpcTransport grpc, GrpcTransport grpcTls, RawTcpLink tcp, ExecutorService writer,
                         boolean oneway, int rank, int peer) {
    }

    /** The vector sent, the one received, and the 4-float answer of the oneway pattern. */
    private record Buffers(FloatBuffer src, FloatBuffer dst, FloatBuffer small) {
    }

    /**
     * One gRPC exchange, then the same over gRPC with mutual TLS (when compared), then over raw TCP; appends the
     * times to {@code timings} (null: warm-up, not recorded).
     */
    private static void repetition(int rep, StringBuilder timings, Peers p, Buffers b) throws Exception {
        grpc("grpc", p.grpc, rep, timings, p, b);
        if (p.grpcTls != null) {
            grpc("grpctls", p.grpcTls, rep, timings, p, b);
        }
        long c0 = cpu();
        long t0 = System.nanoTime();
        if (!p.oneway) {
            Future<?> sent = p.writer.submit(() -> {
                p.tcp.send(b.src);
                return null;
            });
            p.tcp.receive(b.dst);
            sent.get();
        } else if (p.rank == 0) {
            p.tcp.send(b.src);
            p.tcp.receive(b.small);
        } else {
            p.tcp.receive(b.dst);
            p.tcp.send(b.small);
        }
        long t1 = System.nanoTime();
        long c1 = cpu();
        if (timings != null) {
            record(timings, "tcp", t1 - t0, c1 - c0);
        }
    }

    private static void record(StringBuilder timings, String name, long nanos, long cpuNanos) {
        timings.append(name).append(' ').append(nanos / 1e9).append(' ').append(cpuNanos / 1e9).append('\n');
    }

    private static void grpc(String name, GrpcTransport grpc, int rep, StringBuilder timings, Peers p, Buffers b) {
        MessageTag tag = new MessageTag(0, rep, 0, 0);
        MessageTag back = new MessageTag(0, rep, 1, 0);
        long c0 = cpu();
        long t0 = System.nanoTime();
        if (!p.oneway) {
            grpc.send(p.peer, tag, b.src);
            grpc.receive(p.peer, tag, b.dst);
        } else if (p.rank == 0) {
            grpc.send(p.peer, tag, b.src);
            grpc.receive(p.peer, back, b.small);
        } else {
            grpc.receive(p.peer, tag, b.dst);
            grpc.send(p.peer, back, b.small);
        }
        long t1 = System.nanoTime();
        long c1 = cpu();
        if (timings != null) {
            record(timings, name, t1 - t0, c1 - c0);
        }
    }

    private static long compileMillis() {
        return JitWarmup.compileMillis();
    }

    private static final com.sun.management.OperatingSystemMXBean OS =
            (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
                    .getOperatingSystemMXBean();

    /** CPU time of the whole process (all threads, netty's included), in ns. */
    private static long cpu() {
        return OS.getProcessCpuTime();
    }

    private static Map<String, String> parse(String[] args) {
        Map<String, String> map = new HashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            map.put(args[i].replaceFirst("^--", ""), args[i + 1]);
        }
        return map;
    }
}
