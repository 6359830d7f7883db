package io.dgan.operator.apiserver;

import io.dgan.kube.testkit.KubeCluster;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The operator as its container runs it: its own JVM ({@code OperatorMain}), configured by environment variables,
 * authenticated as the chart's ServiceAccount with a real bound token (a kubeconfig that carries it). Killed with
 * SIGKILL to play a crashed pod.
 */
final class OperatorProcess implements AutoCloseable {
    final String identity;
    final Process process;
    final Path log;
    final int metricsPort;

    private OperatorProcess(String identity, Process process, Path log, int metricsPort) {
        this.identity = identity;
        this.process = process;
        this.log = log;
        this.metricsPort = metricsPort;
    }

    static OperatorProcess start(KubeCluster cluster, String identity, String namespace, String serviceAccount,
                                 Map<String, String> settings) {
        try {
            Path work = Files.createDirectories(cluster.dir().resolve("operators"));
            Path kubeconfig = cluster.serviceAccountKubeconfig(namespace, serviceAccount, work.resolve(identity + ".kubeconfig"));
            String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
            List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx256m", "-XX:TieredStopAtLevel=1", "-cp", classpath, "io.dgan.operator.app.OperatorMain"));
            int port = KubeCluster.freePort();
            Map<String, String> env = new HashMap<>();
            env.put("KUBECONFIG", kubeconfig.toString());
            env.put("HOSTNAME", identity); // the pod name in a cluster: the leader-election identity
            env.put("METRICS_PORT", Integer.toString(port));
            env.put("HEALTH_PORT", Integer.toString(KubeCluster.freePort()));
            env.put("POD_NAMESPACE", namespace);
            env.putAll(settings);
            Path log = cluster.dir().resolve("logs").resolve("operator-" + identity + ".log");
            ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
            pb.environment().putAll(env);
            Process p = pb.start();
            p.getOutputStream().close();
            return new OperatorProcess(identity, p, log, port);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    String log() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    void kill() {
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroy();
            try {
                if (!process.waitFor(15, TimeUnit.SECONDS)) kill();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                kill();
            }
        }
    }
}
