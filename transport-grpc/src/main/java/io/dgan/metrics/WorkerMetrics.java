package io.dgan.metrics;

import io.dgan.transport.grpc.TransportListener;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.Labels;

import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * The worker's Prometheus metrics (names in docs/reference/metrics.md: base units, {@code _total} counters,
 * {@code _seconds} histograms), each labelled {@code namespace}, {@code job}, {@code rank}, plus {@code peer},
 * {@code player} or {@code code} where they apply; JVM metrics beside them. Served over HTTP on {@code /metrics}.
 *
 * <p>The exposed {@code job} label clashes with the {@code job} label Prometheus gives every target: scrape with
 * {@code honor_labels: true} (the chart's PodMonitor does) or find it as {@code exported_job}.
 *
 * <p>Implements {@link TransportListener}, so the gRPC transport feeds the per-peer traffic metrics directly.
 */
public final class WorkerMetrics implements TransportListener, AutoCloseable {
    private final PrometheusRegistry registry = new PrometheusRegistry();
    /** Registered once the worker knows the iteration it starts from ({@link #startsAt}): a resumed worker would
     * otherwise export 0 until its first step, and a progress read then sees a job back at iteration 0. */
    private volatile Counter steps;
    private final Gauge loss;
    private final Histogram roundDuration;
    private final Counter bytesSent;
    private final Counter bytesReceived;
    private final Counter failures;
    private final Counter refused;
    /** Ranks 0..workers-1 are label values; anything else is "unknown" (a label value never comes from a peer). */
    private final int workers;
    private final Gauge consensusDistance;
    private final Gauge topologyEpoch;
    /** Registered when the transport reports a certificate: without TLS there is no series (0 would read as an
     * expired certificate). */
    private final FirstValueGauge certificateExpiry;
    private final Counter certificateReloads;
    private final Labels constant;
    /** Registered at this worker's first evaluation: a rank that never evaluates exports no FID series (a gauge
     * without labels would export 0.0 from the start, which reads as a perfect score). */
    private final FirstValueGauge evalFid;
    private HTTPServer server;

    public WorkerMetrics(String namespace, String job, int rank) {
        this(namespace, job, rank, Integer.MAX_VALUE);
    }

    /** With the job's size: a {@code peer} label is a rank below {@code workers} or "unknown". */
    public WorkerMetrics(String namespace, String job, int rank, int workers) {
        this.workers = workers;
        Labels constant = Labels.of("namespace", namespace == null ? "" : namespace, "job", job,
                "rank", Integer.toString(rank));
        loss = Gauge.builder().name("dgan_worker_loss").help("Latest loss of each player on this worker")
                .constLabels(constant).labelNames("player").register(registry);
        roundDuration = Histogram.builder().name("dgan_gossip_round_duration_seconds")
                .help("Time from sending a vector to a peer until the peer acknowledged it complete and valid")
                .constLabels(constant).labelNames("peer").classicOnly()
                .classicExponentialUpperBounds(0.0005, 2, 18).register(registry);
        bytesSent = Counter.builder().name("dgan_gossip_bytes_sent_total")
                .help("Payload bytes of vectors sent to and acknowledged by each peer")
                .constLabels(constant).labelNames("peer").register(registry);
        bytesReceived = Counter.builder().name("dgan_gossip_bytes_received_total")
                .help("Payload bytes of complete, validated vectors received from each peer")
                .constLabels(constant).labelNames("peer").register(registry);
        failures = Counter.builder().name("dgan_gossip_failures_total")
                .help("Failed exchanges with a peer, by gRPC status code (peer \"unknown\": never identified)")
                .constLabels(constant).labelNames("peer", "code").register(registry);
        refused = Counter.builder().name("dgan_gossip_refused_total")
                .help("Calls and vectors refused by this worker's gossip server, by reason (peer \"unknown\": a "
                        + "connection that proved no rank of this job)")
                .constLabels(constant).labelNames("peer", "reason").register(registry);
        consensusDistance = Gauge.builder().name("dgan_consensus_distance")
                .help("Consensus distance (1/M) sum_i ||x_i - mean x||^2 at the last measurement")
                .constLabels(constant).register(registry);
        topologyEpoch = Gauge.builder().name("dgan_topology_epoch").help("Topology epoch in force")
                .constLabels(constant).register(registry);
        certificateReloads = Counter.builder().name("dgan_gossip_tls_reloads_total")
                .help("Changes of the gossip credential files: renewed (in use from the next handshake) or refused "
                        + "(unusable; the previous credentials stay in use)")
                .constLabels(constant).labelNames("outcome").register(registry);
        certificateExpiry = new FirstValueGauge(Gauge.builder()
                .name("dgan_gossip_tls_certificate_expiration_timestamp_seconds")
                .help("When the gossip certificate this worker presents expires (Unix time); absent without TLS")
                .constLabels(constant));
        evalFid = new FirstValueGauge(Gauge.builder().name("dgan_eval_fid")
                .help("Frechet distance on dgan's own classifier features (the fid of metrics.jsonl, not "
                        + "Inception FID) at this worker's last evaluation, lower is better; absent until "
                        + "it evaluates")
                .constLabels(constant));
        this.constant = constant;
        JvmMetrics.builder().register(registry);
    }

    /** Serves {@code /metrics} on {@code port} (0: any free port); returns the port bound. */
    public int serve(String host, int port) {
        try {
            server = HTTPServer.builder().hostname(host).port(port).registry(registry).buildAndStart();
            return server.getPort();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot serve metrics on " + host + ":" + port + ": " + e.getMessage(), e);
        }
    }

    public PrometheusRegistry registry() {
        return registry;
    }

    /** The worker starts from {@code iteration} (0, or the checkpoint it resumed): the step counter appears with that
     * value. Calling it again has no effect. */
    public synchronized void startsAt(long iteration) {
        if (steps != null) return;
        Counter c = Counter.builder().name("dgan_worker_steps_total")
                .help("Optimizer iterations completed, counted from iteration 0 of the run (a resumed worker starts at "
                        + "its checkpoint's iteration)")
                .constLabels(constant).register(registry);
        if (iteration > 0) c.inc(iteration);
        steps = c;
    }

    public void stepCompleted() {
        stepsCompleted(1);
    }

    public void stepsCompleted(long n) {
        if (steps == null) startsAt(0);
        if (n > 0) {
            steps.inc(n);
        }
    }

    public void loss(String player, double value) {
        loss.labelValues(player).set(value);
    }

    public void consensusDistance(double value) {
        consensusDistance.set(value);
    }

    @Override
    public void certificate(java.time.Instant notAfter) {
        certificateExpiry.set(notAfter.getEpochSecond());
    }

    @Override
    public void certificateReload(boolean renewed) {
        certificateReloads.labelValues(renewed ? "renewed" : "refused").inc();
    }

    public void topologyEpoch(long epoch) {
        topologyEpoch.set(epoch);
    }

    public void evalFid(double fid) {
        evalFid.set(fid);
    }

    /** A gauge without labels registered at its first value: until then it exports no series, not a 0.0. */
    private final class FirstValueGauge {
        private final Gauge.Builder builder;
        private volatile Gauge gauge;

        FirstValueGauge(Gauge.Builder builder) {
            this.builder = builder;
        }

        void set(double value) {
            Gauge g = gauge;
            if (g == null) {
                synchronized (this) {
                    if (gauge == null) {
                        gauge = builder.register(registry);
                    }
                    g = gauge;
                }
            }
            g.set(value);
        }
    }

    @Override
    public void bytesSent(int peer, long bytes, double seconds) {
        bytesSent.labelValues(peerLabel(peer)).inc(bytes);
        roundDuration.labelValues(peerLabel(peer)).observe(seconds);
    }

    @Override
    public void bytesReceived(int peer, long bytes) {
        bytesReceived.labelValues(peerLabel(peer)).inc(bytes);
    }

    /** The failures a neighbour's loss causes start at 0 for every linked peer, so that a rate of them (the
     * dashboard's failure panel, the failure alert) has a series before the first failure; other codes appear when
     * they first happen. */
    static final java.util.List<String> NEIGHBOUR_LOSS_CODES = java.util.List.of("UNAVAILABLE", "DEADLINE_EXCEEDED");

    @Override
    public void linked(int peer) {
        for (String code : NEIGHBOUR_LOSS_CODES) failures.labelValues(peerLabel(peer), code);
    }

    @Override
    public void failure(int peer, String code) {
        failures.labelValues(peerLabel(peer), code).inc();
    }

    @Override
    public void refused(int peer, String reason) {
        refused.labelValues(peerLabel(peer), reason).inc();
    }

    private String peerLabel(int peer) {
        return peer < 0 || peer >= workers ? "unknown" : Integer.toString(peer);
    }

    @Override
    public void close() {
        if (server != null) {
            server.close();
        }
    }
}
