package io.dgan.operator.progress;

import io.fabric8.kubernetes.api.model.Pod;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Scrapes {@code http://<podIP>:<metricsPort>/metrics} of every running worker, all in parallel, with a short
 * timeout: a slow worker costs one missing sample, never a stuck reconcile. */
public final class HttpProgressSource implements ProgressSource {
    private static final Logger LOG = LoggerFactory.getLogger(HttpProgressSource.class);
    private final HttpClient http;
    private final Duration timeout;

    public HttpProgressSource(Duration timeout) {
        this.timeout = timeout;
        this.http = HttpClient.newBuilder().connectTimeout(timeout).build();
    }

    @Override
    public Map<String, WorkerSample> sample(Iterable<Pod> runningPods, int metricsPort) {
        Map<String, CompletableFuture<String>> pending = new HashMap<>();
        for (Pod pod : runningPods) {
            String ip = pod.getStatus() == null ? null : pod.getStatus().getPodIP();
            if (ip == null || ip.isBlank()) continue;
            String host = ip.contains(":") ? "[" + ip + "]" : ip;
            HttpRequest request = HttpRequest.newBuilder(URI.create("http://" + host + ":" + metricsPort + "/metrics"))
                    .timeout(timeout).GET().build();
            pending.put(pod.getMetadata().getName(),
                    http.sendAsync(request, HttpResponse.BodyHandlers.ofString()).thenApply(HttpResponse::body));
        }
        Map<String, WorkerSample> samples = new HashMap<>();
        long deadline = System.nanoTime() + timeout.toNanos() * 2;
        pending.forEach((pod, future) -> {
            try {
                long left = Math.max(1, deadline - System.nanoTime());
                WorkerSample sample = PrometheusText.toSample(future.get(left, TimeUnit.NANOSECONDS));
                if (sample != null) samples.put(pod, sample);
            } catch (Exception e) {
                future.cancel(true);
                LOG.debug("pod={} metrics unavailable: {}", pod, e.toString());
            }
        });
        return samples;
    }
}
