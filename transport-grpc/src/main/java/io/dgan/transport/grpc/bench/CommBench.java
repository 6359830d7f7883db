package io.dgan.transport.grpc.bench;

import io.dgan.transport.MessageTag;
import io.dgan.transport.RingAllReduce;
import io.dgan.transport.grpc.GrpcTransport;
import io.dgan.transport.grpc.GrpcTransportConfig;
import io.dgan.transport.grpc.LinkEmulation;
import io.dgan.transport.grpc.PeerDirectory;
import io.dgan.transport.grpc.TransportListener;

import java.nio.FloatBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CyclicBarrier;
import java.util.function.Consumer;

/**
 * Communication patterns of one iteration, measured over M gRPC transports on loopback (threads of one JVM) with
 * emulated latency and bandwidth, against the α–β model of algorithm.md: ring gossip (degree 2, one round)
 * {@code α + 2mβ}, one-peer hypercube {@code α + mβ}, ring all-reduce {@code 2(M−1)α + 2((M−1)/M)mβ}.
 * The same patterns are also timed without emulation, the real cost of moving the bytes on this machine, which the
 * model leaves out.
 */
public final class CommBench {
    public record Options(int workers, long payloadBytes, Duration latency, long bytesPerSecond, int reps) {
    }

    /** Seconds per iteration (median over repetitions of the slowest rank). */
    public record Pattern(String name, double modelSeconds, double measuredSeconds, double unemulatedSeconds) {
    }

    private CommBench() {
    }

    public static List<Pattern> run(Options o, Consumer<String> log) throws Exception {
        int m = o.workers;
        if (m < 2 || Integer.bitCount(m) != 1) {
            throw new IllegalArgumentException("--workers: expected a power of two >= 2 (one-peer hypercube), got " + m);
        }
        if (o.payloadBytes < 4 * m || o.payloadBytes % 4 != 0) {
            throw new IllegalArgumentException("--payload: expected a multiple of 4 bytes, at least 4·M, got "
                    + o.payloadBytes);
        }
        int floats = (int) (o.payloadBytes / 4);
        double alpha = o.latency.toNanos() / 1e9;
        double beta = o.bytesPerSecond > 0 ? 1.0 / o.bytesPerSecond : 0;
        double mb = o.payloadBytes * beta;
        Map<String, Double> model = new LinkedHashMap<>();
        model.put("ring-gossip", alpha + 2 * mb);
        model.put("one-peer-hypercube", alpha + mb);
        model.put("ring-allreduce", 2 * (m - 1) * alpha + 2.0 * (m - 1) / m * mb);

        Map<String, Double> emulated = measure(o, floats, new LinkEmulation(o.latency, o.bytesPerSecond), log);
        Map<String, Double> plain = measure(o, floats, LinkEmulation.NONE, log);
        List<Pattern> out = new ArrayList<>();
        for (String name : model.keySet()) {
            out.add(new Pattern(name, model.get(name), emulated.get(name), plain.get(name)));
        }
        return out;
    }

    private static Map<String, Double> measure(Options o, int floats, LinkEmulation emulation, Consumer<String> log)
            throws Exception {
        int m = o.workers;
        int[] ports = TransportBench.freePorts(m);
        List<String> addresses = new ArrayList<>();
        for (int port : ports) {
            addresses.add("127.0.0.1:" + port);
        }
        GrpcTransport[] transports = new GrpcTransport[m];
        Map<String, double[][]> times = new LinkedHashMap<>();
        for (String name : List.of("ring-gossip", "one-peer-hypercube", "ring-allreduce")) {
            times.put(name, new double[o.reps][m]);
        }
        try {
            for (int r = 0; r < m; r++) {
                transports[r] = new GrpcTransport(GrpcTransportConfig.builder("comm-bench", r, m)
                        .bindHost("127.0.0.1").port(ports[r]).vectorLengths(floats).emulation(emulation)
                        .receiveTimeout(Duration.ofMinutes(5)).callTimeout(Duration.ofMinutes(5)).build(),
                        PeerDirectory.list(addresses, m), TransportListener.NONE, log);
            }
            CyclicBarrier barrier = new CyclicBarrier(m);
            Throwable[] failure = new Throwable[1];
            List<Thread> threads = new ArrayList<>();
            for (int r = 0; r < m; r++) {
                int rank = r;
                Thread t = new Thread(() -> {
                    try {
                        runRank(transports[rank], floats, o.reps, barrier, times);
                    } catch (Throwable e) {
                        synchronized (failure) {
                            failure[0] = failure[0] == null ? e : failure[0];
                        }
                        barrier.reset();
                    }
                }, "comm-rank-" + r);
                threads.add(t);
                t.start();
            }
            for (Thread t : threads) {
                t.join();
            }
            if (failure[0] != null) {
                throw new IllegalStateException("comm bench failed: " + failure[0], failure[0]);
            }
        } finally {
            for (GrpcTransport t : transports) {
                if (t != null) {
                    t.close();
                }
            }
        }
        Map<String, Double> medians = new LinkedHashMap<>();
        times.forEach((name, perRep) -> medians.put(name, TransportBench.median(
                Arrays.stream(perRep).mapToDouble(ranks -> Arrays.stream(ranks).max().orElse(0)).toArray())));
        return medians;
    }

    private static void runRank(GrpcTransport t, int floats, int reps, CyclicBarrier barrier,
                                Map<String, double[][]> times) throws Exception {
        int m = t.size();
        int rank = t.rank();
        List<Integer> everyone = new ArrayList<>();
        for (int j = 0; j < m; j++) {
            if (j != rank) {
                everyone.add(j);
            }
        }
        t.awaitPeers(everyone);
        FloatBuffer mine = FloatBuffer.allocate(floats);
        FloatBuffer left = FloatBuffer.allocate(floats);
        FloatBuffer right = FloatBuffer.allocate(floats);
        RingAllReduce allReduce = new RingAllReduce(t, floats, RingAllReduce.CHANNEL_BASE);
        int next = (rank + 1) % m;
        int prev = (rank + m - 1) % m;
        int dims = Integer.numberOfTrailingZeros(m);
        for (int rep = -1; rep < reps; rep++) {   // rep -1: warm-up
            // Ring gossip, one round: send to both neighbours, then receive from both.
            barrier.await();
            long t0 = System.nanoTime();
            MessageTag tag = new MessageTag(0, rep + 1, 0, 0);
            t.send(next, tag, mine);
            t.send(prev, tag, mine);
            t.receive(prev, tag, left);
            t.receive(next, tag, right);
            record(times.get("ring-gossip"), rep, rank, t0);

            // One-peer hypercube: one partner per iteration.
            barrier.await();
            t0 = System.nanoTime();
            int partner = rank ^ (1 << ((rep + 1) % dims));
            MessageTag hyper = new MessageTag(0, rep + 1, 1, 0);
            t.send(partner, hyper, mine);
            t.receive(partner, hyper, left);
            record(times.get("one-peer-hypercube"), rep, rank, t0);

            // Ring all-reduce of the same vector.
            barrier.await();
            t0 = System.nanoTime();
            allReduce.average(mine, 0, rep + 1);
            record(times.get("ring-allreduce"), rep, rank, t0);
        }
    }

    private static void record(double[][] table, int rep, int rank, long t0) {
        if (rep >= 0) {
            table[rep][rank] = (System.nanoTime() - t0) / 1e9;
        }
    }
}
