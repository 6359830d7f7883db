package io.dgan.operator.progress;

import io.fabric8.kubernetes.api.model.Pod;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Worker progress sampled off the reconcile path. A reconcile hands over the job's running pods and reads the latest
 * snapshot at once; when that snapshot is older than the sampling interval (and no sample of the job is in flight),
 * a sample starts on the cache's own threads. A reconcile therefore never waits on a worker's HTTP endpoint, and the
 * progress it writes is at most one interval (plus one scrape) old; older than {@link #staleAfter()} it is marked
 * stale in the status.
 */
public final class ProgressCache implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ProgressCache.class);

    /** One sample of a job: per pod name, taken at {@code sampledAt}. */
    public record Snapshot(Map<String, WorkerSample> samples, Instant sampledAt) {
    }

    private static final class Job {
        final AtomicBoolean inFlight = new AtomicBoolean();
        volatile Snapshot latest;
        /** System.nanoTime() when the last sample started: the cadence runs on the monotonic clock. */
        volatile long startedNanos;
        volatile boolean started;
        volatile Instant requestedAt;
    }

    private final ProgressSource source;
    private final Clock clock;
    private final Duration interval;
    private final ExecutorService pool;
    private final Map<String, Job> jobs = new ConcurrentHashMap<>();

    public ProgressCache(ProgressSource source, Clock clock, Duration interval, int threads) {
        this.source = source;
        this.clock = clock;
        this.interval = interval;
        this.pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "progress-sampler");
            t.setDaemon(true);
            return t;
        });
    }

    /** Progress older than this (three sampling intervals) is reported as stale. */
    public Duration staleAfter() {
        return interval.multipliedBy(3);
    }

    /**
     * The latest snapshot of {@code job} (null before the first sample completes); never blocks. Starts a sample of
     * {@code running} in the background when the snapshot is older than the interval.
     */
    public Snapshot latest(String job, List<Pod> running, int metricsPort) {
        Instant now = clock.instant();
        Job state = jobs.computeIfAbsent(job, k -> new Job());
        state.requestedAt = now;
        Snapshot latest = state.latest;
        boolean due = !state.started || System.nanoTime() - state.startedNanos >= interval.toNanos();
        if (due && !running.isEmpty() && state.inFlight.compareAndSet(false, true)) {
            state.started = true;
            state.startedNanos = System.nanoTime();
            List<Pod> targets = List.copyOf(running);
            try {
                pool.execute(() -> {
                    try {
                        Map<String, WorkerSample> samples = source.sample(targets, metricsPort);
                        state.latest = new Snapshot(Map.copyOf(samples), clock.instant());
                    } catch (RuntimeException e) {
                        LOG.debug("job={} progress sample failed: {}", job, e.toString());
                    } finally {
                        state.inFlight.set(false);
                    }
                });
            } catch (RejectedExecutionException closed) {
                state.inFlight.set(false);
            }
        }
        forgetIdle(now);
        return latest;
    }

    /** Drops jobs nobody asked about for ten intervals (finished or deleted). */
    private void forgetIdle(Instant now) {
        Instant horizon = now.minus(interval.multipliedBy(10));
        jobs.entrySet().removeIf(e -> e.getValue().requestedAt != null && e.getValue().requestedAt.isBefore(horizon)
                && !e.getValue().inFlight.get());
    }

    public void forget(String job) {
        jobs.remove(job);
    }

    @Override
    public void close() {
        pool.shutdownNow();
    }
}
