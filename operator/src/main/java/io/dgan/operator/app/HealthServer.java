package io.dgan.operator.app;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;

/**
 * {@code /healthz} (liveness) and {@code /readyz} (readiness) on their own port, so the probes work with the
 * metrics endpoint off. 200 when the check passes, 503 otherwise; the body is {@link OperatorHealth.Report#json()}.
 */
public final class HealthServer implements AutoCloseable {
    private final HttpServer server;

    private HealthServer(HttpServer server) {
        this.server = server;
    }

    public static HealthServer start(int port, OperatorHealth health) {
        return start(null, port, health);
    }

    /** On {@code address} only (null or blank: every address of the pod). */
    public static HealthServer start(String address, int port, OperatorHealth health) {
        try {
            HttpServer server = HttpServer.create(address == null || address.isBlank() ? new InetSocketAddress(port)
                    : new InetSocketAddress(address.trim(), port), 16);
            server.createContext("/healthz", ex -> answer(ex, health, true));
            server.createContext("/readyz", ex -> answer(ex, health, false));
            server.setExecutor(Executors.newSingleThreadExecutor(r -> {
                Thread t = new Thread(r, "health-http");
                t.setDaemon(true);
                return t;
            }));
            server.start();
            return new HealthServer(server);
        } catch (IOException e) {
            throw new UncheckedIOException("HEALTH_PORT " + port, e);
        }
    }

    private static void answer(HttpExchange ex, OperatorHealth health, boolean liveness) throws IOException {
        try (ex) {
            OperatorHealth.Report report = health.report();
            boolean ok = liveness ? report.live() : report.ready();
            byte[] body = report.json().getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().set("Content-Type", "application/json");
            ex.sendResponseHeaders(ok ? 200 : 503, body.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(body);
            }
        } catch (RuntimeException e) {
            byte[] body = ("{\"error\":\"" + e.getClass().getSimpleName() + "\"}").getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(503, body.length);
            ex.getResponseBody().write(body);
        }
    }

    public int port() {
        return server.getAddress().getPort();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
