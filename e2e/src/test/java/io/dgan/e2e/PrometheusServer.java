package io.dgan.e2e;

import io.dgan.kube.testkit.KubeCluster;
import io.dgan.kube.testkit.Waits;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * A real Prometheus (built by the cluster kit from its Go module: Debian's build leaves Kubernetes service discovery
 * out), scraping the cluster's pods through Kubernetes service discovery as a kube-prometheus install would: every
 * pod with a container port named {@code metrics}, the pod's own labels kept.
 */
final class PrometheusServer implements AutoCloseable {
    final int port;
    private final Process process;

    private PrometheusServer(int port, Process process) {
        this.port = port;
        this.process = process;
    }

    static PrometheusServer start(KubeCluster cluster) {
        try {
            Path dir = Files.createDirectories(cluster.dir().resolve("prometheus"));
            Path token = dir.resolve("token");
            Files.writeString(token, cluster.adminToken());
            Path config = dir.resolve("prometheus.yml");
            Files.writeString(config, """
                    global: {scrape_interval: 2s, evaluation_interval: 2s}
                    scrape_configs:
                      - job_name: kubernetes-pods
                        honor_labels: true
                        kubernetes_sd_configs:
                          - role: pod
                            api_server: %s
                            tls_config: {insecure_skip_verify: true}
                            authorization: {credentials_file: %s}
                        relabel_configs:
                          - source_labels: [__meta_kubernetes_pod_container_port_name]
                            regex: metrics
                            action: keep
                          - source_labels: [__meta_kubernetes_namespace]
                            target_label: kubernetes_namespace
                          - source_labels: [__meta_kubernetes_pod_name]
                            target_label: pod
                    """.formatted(cluster.url(), token));
            Path binary = cluster.binaries().path("prometheus");
            for (int attempt = 1; ; attempt++) {
                int port = KubeCluster.freePort();
                Process p = cluster.spawn("prometheus", List.of(binary.toString(), "--config.file=" + config,
                        "--storage.tsdb.path=" + dir.resolve("data"), "--web.listen-address=127.0.0.1:" + port,
                        "--log.level=warn"));
                PrometheusServer server = new PrometheusServer(port, p);
                try {
                    Waits.until(Duration.ofSeconds(60), "prometheus ready", () -> {
                        if (!p.isAlive()) throw new IllegalStateException("prometheus exited " + p.exitValue()
                                + ": see " + cluster.dir().resolve("logs/prometheus.log"));
                        try {
                            return server.get("/-/ready").contains("Ready");
                        } catch (RuntimeException e) {
                            return false;
                        }
                    });
                    return server;
                } catch (RuntimeException e) {
                    server.close();
                    // The port picked may have been taken before Prometheus bound it: try another.
                    if (attempt >= 3) throw e;
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The number of series an instant query returns now. */
    int series(String query) {
        String body = get("/api/v1/query?query=" + URLEncoder.encode(query, StandardCharsets.UTF_8));
        if (!body.contains("\"status\":\"success\"")) throw new AssertionError("query " + query + ": " + body);
        int count = 0;
        for (int i = body.indexOf("\"metric\""); i >= 0; i = body.indexOf("\"metric\"", i + 1)) count++;
        return count;
    }

    /** The server's version, from its build-info endpoint. */
    String version() {
        String body = get("/api/v1/status/buildinfo");
        var m = java.util.regex.Pattern.compile("\"version\":\"([^\"]+)\"").matcher(body);
        return m.find() ? m.group(1) : "unknown";
    }

    String get(String path) {
        try {
            return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString()).body();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        process.destroy();
    }
}
