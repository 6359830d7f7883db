package io.dgan.transport.grpc.bench;

import io.dgan.transport.MessageTag;
import io.dgan.transport.RingAllReduce;
import io.dgan.transport.grpc.FreePorts;
import io.dgan.transport.grpc.GrpcTransport;
import io.dgan.transport.grpc.GrpcTransportConfig;
import io.dgan.transport.grpc.LinkEmulation;
import io.dgan.transport.grpc.PeerDirectory;
import io.dgan.transport.grpc.TransportListener;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Communication patterns of one iteration over M gRPC transports on loopback with emulated latency and bandwidth,
 * against the α–β model of algorithm.md: ring gossip (degree 2, one round) {@code α + 2mβ}, one-peer hypercube
 * {@code α + mβ}, ring all-reduce {@code 2(M−1)α + 2((M−1)/M)mβ}.
 *
 * <p>Assumptions, the same in the emulation and the model: β is the inverse bandwidth of each node's egress (its NIC,
 * shared by all its links: a node sending m bytes to each of its two ring neighbours needs 2mβ), links are full duplex
 * and receiving is not limited; α is paid once per message, after its last byte was sent. Each worker is its own JVM
 * (as in the product) unless {@code processes} is false (threads of this JVM).
 *
 * <p>The same patterns are first timed without emulation: the real cost of moving the bytes on this host, which the
 * model leaves out. When that cost is not small against the modelled time, the emulated links are not the bottleneck
 * and the measurement would show the host, not the model; {@code dilation} k &gt; 1 then runs the emulation k times
 * slower (latency k·α, bandwidth 1/(kβ)) and divides the measured times by k, so that the host's own cost shrinks
 * relative to the emulated one (time dilation). "auto" (dilation 0) picks the smallest k for which the unemulated
 * time of every pattern is at most {@value #AUTO_HOST_SHARE} of its dilated model time.
 */
public final class CommBench {
    static final double AUTO_HOST_SHARE = 0.2;
    /** Untimed repetitions first (JIT warm-up; each worker JVM starts cold). */
    static final int WARMUP = 2;
    static final int MAX_DILATION = 50;
    static final List<String> PATTERNS = List.of("ring-gossip", "one-peer-hypercube", "ring-allreduce");

    /**
     * @param dilation time-dilation factor k (>= 1), or 0 for automatic
     */
    public record Options(int workers, long payloadBytes, Duration latency, long bytesPerSecond, int reps,
                          boolean processes, double dilation) {
        public Options(int workers, long payloadBytes, Duration latency, long bytesPerSecond, int reps) {
            this(workers, payloadBytes, latency, bytesPerSecond, reps, false, 1);
        }
    }

    /** Seconds per iteration (median over repetitions of the slowest rank; the measured time divided by k). */
    public record Pattern(String name, double modelSeconds, double measuredSeconds, double unemulatedSeconds) {
    }

    /**
     * @param dilation            the k used
     * @param hostGossipGBps      aggregate gRPC throughput of this host in the unemulated ring gossip (all M nodes
     *                            sending 2m bytes each), GB/s
     * @param emulatedAggregateGBps what the emulated links would carry in aggregate if all M nodes send at once
     *                            (M/β), GB/s, before dilation
     */
    public record Result(List<Pattern> patterns, double dilation, double hostGossipGBps,
                         double emulatedAggregateGBps) {
    }

    private CommBench() {
    }

    public static Map<String, Double> model(int m, long payloadBytes, Duration latency, long bytesPerSecond) {
        double alpha = latency.toNanos() / 1e9;
        double beta = bytesPerSecond > 0 ? 1.0 / bytesPerSecond : 0;
        double mb = payloadBytes * beta;
        Map<String, Double> model = new LinkedHashMap<>();
        model.put("ring-gossip", alpha + 2 * mb);
        model.put("one-peer-hypercube", alpha + mb);
        model.put("ring-allreduce", 2 * (m - 1) * alpha + 2.0 * (m - 1) / m * mb);
        return model;
    }

    /** The smallest k with unemulated(p) <= AUTO_HOST_SHARE · k · model(p) for every pattern, in 1..MAX_DILATION. */
    static double autoDilation(Map<String, Double> model, Map<String, Double> unemulated) {
        double k = 1;
        for (String p : model.keySet()) {
            double mp = model.get(p);
            if (mp > 0) {
                k = Math.max(k, Math.ceil(unemulated.get(p) / (AUTO_HOST_SHARE * mp)));
            }
        }
        return Math.min(k, MAX_DILATION);
    }

    public static List<Pattern> run(Options o, Consumer<String> log) throws Exception {
        return runFull(o, log).patterns();
    }

    public static Result runFull(Options o, Consumer<String> log) throws Exception {
        int m = o.workers;
        if (m < 2 || Integer.bitCount(m) != 1) {
            throw new IllegalArgumentException("--workers: expected a power of two >= 2 (one-peer hypercube), got " + m);
        }
        if (o.payloadBytes < 4 * m || o.payloadBytes % 4 != 0) {
            throw new IllegalArgumentException("--payload: expected a multiple of 4 bytes, at least 4·M, got "
                    + o.payloadBytes);
        }
        if (o.dilation != 0 && o.dilation < 1) {
            throw new IllegalArgumentException("--time-dilation: expected auto or a factor >= 1, got " + o.dilation);
        }
        int floats = (int) (o.payloadBytes / 4);
        Map<String, Double> model = model(m, o.payloadBytes, o.latency, o.bytesPerSecond);
        Map<String, Double> plain = measure(o, floats, LinkEmulation.NONE, log);
        double k = o.dilation == 0 ? autoDilation(model, plain) : o.dilation;
        log.accept(String.format("unemulated: %s; time dilation k = %.0f", plain, k));
        LinkEmulation dilated = new LinkEmulation(Duration.ofNanos(Math.round(o.latency.toNanos() * k)),
                o.bytesPerSecond <= 0 ? 0 : Math.max(1, Math.round(o.bytesPerSecond / k)));
        Map<String, Double> emulated = measure(o, floats, dilated, log);
        List<Pattern> out = new ArrayList<>();
        for (String name : model.keySet()) {
            out.add(new Pattern(name, model.get(name), emulated.get(name) / k, plain.get(name)));
        }
        double hostGBps = m * 2.0 * o.payloadBytes / plain.get("ring-gossip") / 1e9;
        return new Result(out, k, hostGBps, (double) m * o.bytesPerSecond / 1e9);
    }

    private static Map<String, Double> measure(Options o, int floats, LinkEmulation emulation, Consumer<String> log)
            throws Exception {
        Map<String, double[][]> times = new LinkedHashMap<>();
        for (String name : PATTERNS) {
            times.put(name, new double[o.reps][o.workers]);
        }
        if (o.processes) {
            measureInProcesses(o, floats, emulation, times);
        } else {
            measureInThreads(o, floats, emulation, times, log);
        }
        Map<String, Double> medians = new LinkedHashMap<>();
        times.forEach((name, perRep) -> medians.put(name, TransportBench.median(
                Arrays.stream(perRep).mapToDouble(ranks -> Arrays.stream(ranks).max().orElse(0)).toArray())));
        return medians;
    }

    static GrpcTransport transport(int rank, int m, int[] ports, int floats, LinkEmulation emulation,
                                   Consumer<String> log) {
        List<String> addresses = new ArrayList<>();
        for (int port : ports) {
            addresses.add("127.0.0.1:" + port);
        }
        return new GrpcTransport(GrpcTransportConfig.builder("comm-bench", rank, m)
                .bindHost("127.0.0.1").port(ports[rank]).vectorLengths(floats).emulation(emulation)
                .receiveTimeout(Duration.ofMinutes(10)).callTimeout(Duration.ofMinutes(10))
                .connectTimeout(Duration.ofMinutes(2)).build(),
                PeerDirectory.list(addresses, m), TransportListener.NONE, log);
    }

    private static void measureInThreads(Options o, int floats, LinkEmulation emulation, Map<String, double[][]> times,
                                         Consumer<String> log) throws Exception {
        int m = o.workers;
        int[] ports = FreePorts.pick(m);
        GrpcTransport[] transports = new GrpcTransport[m];
        try {
            for (int r = 0; r < m; r++) {
                transports[r] = transport(r, m, ports, floats, emulation, log);
            }
            CyclicBarrier barrier = new CyclicBarrier(m);
            Throwable[] failure = new Throwable[1];
            List<Thread> threads = new ArrayList<>();
            for (int r = 0; r < m; r++) {
                int rank = r;
                Thread t = new Thread(() -> {
                    try {
                        runRank(transports[rank], floats, o.reps, barrier::await, (name, rep, seconds) -> {
                            if (rep >= 0) {
                                times.get(name)[rep][rank] = seconds;
                            }
                        });
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
    }

    /**
     * One JVM per rank ({@link CommPeer}); this process is the barrier: each child prints {@code ready} and waits for
     * {@code go} on its stdin, sent once all children are ready (a pipe, outside the emulated network).
     */
    private static void measureInProcesses(Options o, int floats, LinkEmulation emulation,
                                           Map<String, double[][]> times) throws Exception {
        int m = o.workers;
        int[] ports = FreePorts.pick(m);
        StringBuilder portList = new StringBuilder();
        for (int p : ports) {
            portList.append(portList.length() == 0 ? "" : ",").append(p);
        }
        List<Process> children = new ArrayList<>();
        List<BlockingQueue<String>> lines = new ArrayList<>();
        List<Path> errFiles = new ArrayList<>();
        try {
            for (int r = 0; r < m; r++) {
                List<String> cmd = new ArrayList<>(List.of(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-XX:+UseSerialGC",
                        "-cp", System.getProperty("java.class.path"), CommPeer.class.getName(),
                        "--rank", Integer.toString(r), "--workers", Integer.toString(m),
                        "--ports", portList.toString(), "--floats", Integer.toString(floats),
                        "--reps", Integer.toString(o.reps),
                        "--latency-ns", Long.toString(emulation.latency().toNanos()),
                        "--bandwidth", Long.toString(emulation.bytesPerSecond())));
                Path errFile = java.nio.file.Files.createTempFile("dgan-comm-rank" + r + "-", ".err");
                errFile.toFile().deleteOnExit();
                errFiles.add(errFile);
                Process p = new ProcessBuilder(cmd).redirectError(errFile.toFile()).start();
                children.add(p);
                BlockingQueue<String> q = new LinkedBlockingQueue<>();
                lines.add(q);
                Thread reader = new Thread(() -> {
                    try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(),
                            StandardCharsets.UTF_8))) {
                        String line;
                        while ((line = in.readLine()) != null) {
                            q.add(line);
                        }
                    } catch (IOException ignored) {
                        // the process ended
                    }
                    q.add("eof");
                }, "comm-peer-reader-" + r);
                reader.setDaemon(true);
                reader.start();
            }
            int barriers = 1 + (o.reps + WARMUP) * PATTERNS.size();
            for (int b = 0; b <= barriers; b++) {
                // b == barriers: wait for "done" instead of "ready".
                String expect = b == barriers ? "done" : "ready";
                for (int r = 0; r < m; r++) {
                    while (true) {
                        String line = lines.get(r).poll(15, TimeUnit.MINUTES);
                        if (line == null || line.equals("eof")) {
                            Process p = children.get(r);
                            p.waitFor(5, TimeUnit.SECONDS);
                            throw new IllegalStateException("comm bench rank " + r + " ended early (exit "
                                    + (p.isAlive() ? "still running" : p.exitValue()) + "); its stderr ends with:\n"
                                    + tail(errFiles.get(r)));
                        }
                        if (line.equals(expect)) {
                            break;
                        }
                        String[] f = line.split(" ");
                        if (f[0].equals("time") && f.length == 4) {
                            int rep = Integer.parseInt(f[2]);
                            if (rep >= 0) {
                                times.get(f[1])[rep][r] = Double.parseDouble(f[3]);
                            }
                        }
                    }
                }
                if (b < barriers) {
                    for (Process p : children) {
                        OutputStream in = p.getOutputStream();
                        in.write("go\n".getBytes(StandardCharsets.US_ASCII));
                        in.flush();
                    }
                }
            }
            for (Process p : children) {
                p.getOutputStream().close();
                if (!p.waitFor(60, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("comm bench process did not exit");
                }
            }
        } finally {
            for (Process p : children) {
                p.destroyForcibly();
            }
            for (Path f : errFiles) {
                java.nio.file.Files.deleteIfExists(f);
            }
        }
    }

    private static String tail(Path file) {
        try {
            List<String> all = java.nio.file.Files.readAllLines(file);
            return String.join("\n", all.subList(Math.max(0, all.size() - 15), all.size()));
        } catch (IOException e) {
            return "(unreadable: " + e.getMessage() + ")";
        }
    }

    interface Barrier {
        void await() throws Exception;
    }

    interface Recorder {
        void record(String pattern, int rep, double seconds);
    }

    /** One rank's sequence: a barrier, then per repetition (the first WARMUP are untimed, rep < 0) each pattern once. */
    static void runRank(GrpcTransport t, int floats, int reps, Barrier barrier, Recorder recorder) throws Exception {
        int m = t.size();
        int rank = t.rank();
        List<Integer> everyone = new ArrayList<>();
        for (int j = 0; j < m; j++) {
            if (j != rank) {
                everyone.add(j);
            }
        }
        t.awaitPeers(everyone);
        barrier.await();
        FloatBuffer mine = FloatBuffer.allocate(floats);
        FloatBuffer left = FloatBuffer.allocate(floats);
        FloatBuffer right = FloatBuffer.allocate(floats);
        RingAllReduce allReduce = new RingAllReduce(t, floats, RingAllReduce.CHANNEL_BASE);
        int next = (rank + 1) % m;
        int prev = (rank + m - 1) % m;
        int dims = Integer.numberOfTrailingZeros(m);
        for (int rep = -WARMUP; rep < reps; rep++) {   // rep < 0: warm-up
            // Ring gossip, one round: send to both neighbours, then receive from both.
            barrier.await();
            long t0 = System.nanoTime();
            // Channel 0 travels clockwise, channel 1 counter-clockwise (distinct messages even when M = 2).
            MessageTag clockwise = new MessageTag(0, rep + WARMUP, 0, 0);
            MessageTag counter = new MessageTag(0, rep + WARMUP, 0, 1);
            t.send(next, clockwise, mine);
            t.send(prev, counter, mine);
            t.receive(prev, clockwise, left);
            t.receive(next, counter, right);
            recorder.record("ring-gossip", rep, (System.nanoTime() - t0) / 1e9);

            // One-peer hypercube: one partner per iteration.
            barrier.await();
            t0 = System.nanoTime();
            int partner = rank ^ (1 << ((rep + WARMUP) % dims));
            MessageTag hyper = new MessageTag(0, rep + WARMUP, 1, 0);
            t.send(partner, hyper, mine);
            t.receive(partner, hyper, left);
            recorder.record("one-peer-hypercube", rep, (System.nanoTime() - t0) / 1e9);

            // Ring all-reduce of the same vector.
            barrier.await();
            t0 = System.nanoTime();
            allReduce.average(mine, 0, rep + WARMUP);
            recorder.record("ring-allreduce", rep, (System.nanoTime() - t0) / 1e9);
        }
    }
}
