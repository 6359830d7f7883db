package io.dgan.training;

import io.dgan.transport.TimedTransport;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.Map;

/**
 * Where the iterations' wall time went between two metrics records, as a mean per iteration: the oracle's gradient
 * computation, time in the transport's send (serialisation and hand-off) and receive (waiting for peers, copying
 * out; gossip, the loss all-reduce and the consensus check alike), the JVM's garbage collection (all collectors,
 * explicit {@code System.gc()} included), and the rest (optimizer update, mixing, metrics, checkpoints).
 * Read by the rank's own thread once per iteration; allocation-free except the record's boxed values.
 */
final class IterationSplit {
    /** The fields it adds to a metrics record, in milliseconds per iteration. */
    static final List<String> FIELDS = List.of("iterMs", "computeMs", "sendMs", "receiveMs", "gcMs", "otherMs");

    private final TimedTransport transport;
    private final GanOracle oracle;
    private final List<GarbageCollectorMXBean> collectors = ManagementFactory.getGarbageCollectorMXBeans();
    private long wall;
    private long compute;
    private long send;
    private long receive;
    private long gcMillis;
    private long iteration;

    /** {@code iteration}: the last iteration done before the loop starts (the first one it runs is the next). */
    IterationSplit(TimedTransport transport, GanOracle oracle, long iteration) {
        this.transport = transport;
        this.oracle = oracle;
        mark(iteration);
    }

    /** Starts the next interval after iteration {@code k}. */
    void mark(long k) {
        iteration = k;
        wall = System.nanoTime();
        compute = oracle.computeNanos();
        send = transport.sendNanos();
        receive = transport.receiveNanos();
        gcMillis = gcMillis();
    }

    /**
     * Adds iterMs, computeMs, sendMs, receiveMs, gcMs and otherMs: means per iteration over the iterations after the
     * last mark up to and including {@code k}.
     */
    void record(Map<String, Object> rec, long k) {
        double n = Math.max(1, k - iteration);
        double iter = (System.nanoTime() - wall) / 1e6 / n;
        double c = (oracle.computeNanos() - compute) / 1e6 / n;
        double s = (transport.sendNanos() - send) / 1e6 / n;
        double r = (transport.receiveNanos() - receive) / 1e6 / n;
        double gc = (gcMillis() - gcMillis) / n;
        rec.put("iterMs", iter);
        rec.put("computeMs", c);
        rec.put("sendMs", s);
        rec.put("receiveMs", r);
        rec.put("gcMs", gc);
        rec.put("otherMs", Math.max(0, iter - c - s - r - gc));
    }

    private long gcMillis() {
        long total = 0;
        for (GarbageCollectorMXBean gc : collectors) {
            total += Math.max(0, gc.getCollectionTime());
        }
        return total;
    }
}
