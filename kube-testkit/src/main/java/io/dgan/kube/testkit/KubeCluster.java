package io.dgan.kube.testkit;

import io.fabric8.kubernetes.api.model.authentication.TokenRequest;
import io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real Kubernetes control plane on loopback: etcd and kube-apiserver (RBAC enforced, every admission plugin of a
 * default cluster), optionally kube-controller-manager (garbage collection, namespaces, service accounts) and
 * kube-scheduler. Binaries from {@link KubeBinaries}; state, certificates and logs under one work folder.
 *
 * <p>Users: {@link #adminClient()} (a static token in {@code system:masters}); service accounts get real bound
 * tokens through the TokenRequest API ({@link #serviceAccountClient}), so RBAC sees exactly what it would see from a
 * pod.
 */
public final class KubeCluster implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(KubeCluster.class);

    private final KubeBinaries binaries;
    private final Path dir;
    private final boolean controllers;
    private final boolean audit;
    private final List<Process> processes = new ArrayList<>();
    private final Map<String, Process> byName = new LinkedHashMap<>();
    private final String adminToken = UUID.randomUUID().toString();
    private int apiPort;
    private KubernetesClient admin;
    private final Thread reaper = new Thread(this::killAll, "kube-cluster-reaper");

    private KubeCluster(KubeBinaries binaries, Path dir, boolean controllers, boolean audit) {
        this.binaries = binaries;
        this.dir = dir;
        this.controllers = controllers;
        this.audit = audit;
    }

    /** etcd + kube-apiserver only: schema, admission, RBAC, subresources; no garbage collection, no pods run. */
    public static KubeCluster apiServer(Path dir) {
        return new KubeCluster(KubeBinaries.pinned(), dir, false, true).start();
    }

    /** The API server plus kube-controller-manager and kube-scheduler. */
    public static KubeCluster withControllers(Path dir) {
        return new KubeCluster(KubeBinaries.pinned(), dir, true, true).start();
    }

    /** Starts etcd; returns its client URL. A port picked free can be taken before etcd binds it: then new ports. */
    private String startEtcd() throws IOException {
        for (int attempt = 1; ; attempt++) {
            int etcdPort = freePort();
            int etcdPeerPort = freePort();
            String etcd = "http://127.0.0.1:" + etcdPort;
            Process p = spawn("etcd", List.of(binaries.path("etcd").toString(), "--name=dgan-test",
                    "--data-dir=" + dir.resolve(attempt == 1 ? "etcd" : "etcd-" + attempt), "--listen-client-urls=" + etcd,
                    "--advertise-client-urls=" + etcd,
                    "--listen-peer-urls=http://127.0.0.1:" + etcdPeerPort,
                    "--initial-advertise-peer-urls=http://127.0.0.1:" + etcdPeerPort,
                    "--initial-cluster=dgan-test=http://127.0.0.1:" + etcdPeerPort,
                    "--listen-metrics-urls=http://127.0.0.1:" + freePort(),
                    "--unsafe-no-fsync=true", "--log-level=warn", "--quota-backend-bytes=8589934592"));
            Waits.until(Duration.ofSeconds(60), "etcd listening on " + etcdPort, () -> !p.isAlive() || listening(etcdPort));
            if (p.isAlive()) return etcd;
            String log = Files.readString(dir.resolve("logs/etcd.log"));
            if (attempt >= 3 || !log.contains("address already in use")) {
                throw new IllegalStateException("etcd did not start: see " + dir.resolve("logs/etcd.log"));
            }
            LOG.info("etcd's ports were taken; retrying on others");
        }
    }

    private static boolean listening(int port) {
        try (java.net.Socket ignored = new java.net.Socket("127.0.0.1", port)) {
            return true;
        } catch (IOException notYet) {
            return false;
        }
    }

    private KubeCluster start() {
        Runtime.getRuntime().addShutdownHook(reaper);
        try {
            Files.createDirectories(dir.resolve("logs"));
            Files.createDirectories(dir.resolve("certs"));
            String etcd = startEtcd();
            apiPort = freePort();
            writeServiceAccountKeys();
            Files.writeString(dir.resolve("tokens.csv"), adminToken + ",dgan-admin,dgan-admin,\"system:masters\"\n");
            List<String> api = new ArrayList<>(List.of(binaries.path("kube-apiserver").toString(),
                    "--etcd-servers=" + etcd, "--bind-address=127.0.0.1", "--advertise-address=127.0.0.1",
                    "--secure-port=" + apiPort, "--cert-dir=" + dir.resolve("certs"),
                    "--service-cluster-ip-range=10.0.0.0/24",
                    "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
                    "--service-account-key-file=" + dir.resolve("sa.pub"),
                    "--service-account-signing-key-file=" + dir.resolve("sa.key"),
                    "--authorization-mode=RBAC", "--token-auth-file=" + dir.resolve("tokens.csv"),
                    "--allow-privileged=true", "--enable-priority-and-fairness=false",
                    // As on OpenShift: an owner reference with blockOwnerDeletion needs update on the owner's
                    // finalizers, so a chart that lacks the grant fails here too.
                    "--enable-admission-plugins=OwnerReferencesPermissionEnforcement",
                    "--storage-media-type=application/json", "--v=1"));
            if (!controllers) {
                // No controller-manager creates the "default" service accounts, so this admission plugin would
                // refuse every pod; with controllers it stays on as on any cluster.
                api.add("--disable-admission-plugins=ServiceAccount");
            }
            if (audit) {
                Files.writeString(dir.resolve("audit-policy.yaml"), """
                        apiVersion: audit.k8s.io/v1
                        kind: Policy
                        omitStages: [RequestReceived]
                        rules:
                          - level: None
                            users: [dgan-admin]
                          - level: Metadata
                        """);
                api.add("--audit-policy-file=" + dir.resolve("audit-policy.yaml"));
                api.add("--audit-log-path=" + auditLog());
                api.add("--audit-log-format=json");
                api.add("--audit-log-mode=blocking");
            }
            // A port picked free can be taken (by an ephemeral connection) before the server binds it: pick another.
            for (int attempt = 1; ; attempt++) {
                spawn("kube-apiserver", api);
                admin = client(new ConfigBuilder(base()).withOauthToken(adminToken).build());
                try {
                    waitReady();
                    break;
                } catch (IllegalStateException e) {
                    String log = Files.readString(dir.resolve("logs/kube-apiserver.log"));
                    if (attempt >= 3 || !log.contains("address already in use")) throw e;
                    admin.close();
                    int old = apiPort;
                    apiPort = freePort();
                    api.replaceAll(a -> a.equals("--secure-port=" + old) ? "--secure-port=" + apiPort : a);
                    LOG.info("kube-apiserver port {} was taken; retrying on {}", old, apiPort);
                }
            }
            Files.writeString(dir.resolve("kubeconfig"), kubeconfig("dgan-admin", adminToken));
            if (controllers) {
                Path kubeconfig = dir.resolve("kubeconfig");
                spawn("kube-controller-manager", List.of(binaries.path("kube-controller-manager").toString(),
                        "--kubeconfig=" + kubeconfig, "--authentication-kubeconfig=" + kubeconfig,
                        "--authorization-kubeconfig=" + kubeconfig, "--leader-elect=false",
                        "--bind-address=127.0.0.1", "--secure-port=" + freePort(),
                        "--cert-dir=" + dir.resolve("certs/cm"),
                        "--service-account-private-key-file=" + dir.resolve("sa.key"),
                        "--root-ca-file=" + dir.resolve("certs/apiserver.crt"),
                        "--use-service-account-credentials=true", "--concurrent-gc-syncs=20",
                        "--node-monitor-grace-period=120s", "--v=1"));
                spawn("kube-scheduler", List.of(binaries.path("kube-scheduler").toString(),
                        "--kubeconfig=" + kubeconfig, "--authentication-kubeconfig=" + kubeconfig,
                        "--authorization-kubeconfig=" + kubeconfig, "--leader-elect=false",
                        "--bind-address=127.0.0.1", "--secure-port=" + freePort(),
                        "--cert-dir=" + dir.resolve("certs/scheduler"), "--v=1"));
                Waits.until(Duration.ofSeconds(90), "namespace default's service account",
                        () -> admin.serviceAccounts().inNamespace("default").withName("default").get() != null);
            }
            LOG.info("real Kubernetes {} up at {} (etcd {}, controllers {}); logs in {}", binaries.kubeVersion(),
                    url(), binaries.etcdVersion(), controllers, dir.resolve("logs"));
            return this;
        } catch (IOException e) {
            close();
            throw new UncheckedIOException(e);
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    public String url() {
        return "https://127.0.0.1:" + apiPort;
    }

    public KubeBinaries binaries() {
        return binaries;
    }

    public Path dir() {
        return dir;
    }

    /** The audit log of every request by a user other than the admin (JSON lines), when auditing is on. */
    public Path auditLog() {
        return dir.resolve("logs/audit.jsonl");
    }

    /** A {@code kubeconfig} for the admin user. */
    public Path kubeconfig() {
        return dir.resolve("kubeconfig");
    }

    /** The admin's bearer token (for tools such as Prometheus' Kubernetes service discovery). */
    public String adminToken() {
        return adminToken;
    }

    public KubernetesClient adminClient() {
        return admin;
    }

    /** The server's version string ({@code /version}'s gitVersion). */
    public String serverVersion() {
        return admin.getKubernetesVersion().getGitVersion();
    }

    /** A bound token for {@code namespace/serviceAccount} (which must exist), valid for an hour. */
    public String serviceAccountToken(String namespace, String serviceAccount) {
        TokenRequest request = new TokenRequestBuilder().withNewSpec().withExpirationSeconds(3600L).endSpec().build();
        return admin.serviceAccounts().inNamespace(namespace).withName(serviceAccount).tokenRequest(request)
                .getStatus().getToken();
    }

    /** A client authenticated as the service account: what a pod running under it would have. */
    public KubernetesClient serviceAccountClient(String namespace, String serviceAccount) {
        return client(new ConfigBuilder(base()).withOauthToken(serviceAccountToken(namespace, serviceAccount))
                .withNamespace(namespace).build());
    }

    /** A kubeconfig file for the service account (for processes such as an operator run as a separate JVM). */
    public Path serviceAccountKubeconfig(String namespace, String serviceAccount, Path file) {
        try {
            Files.writeString(file, kubeconfig("system:serviceaccount:" + namespace + ":" + serviceAccount,
                    serviceAccountToken(namespace, serviceAccount)));
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Runs the kit's kubectl as the admin; returns its stdout, or throws with its stderr when it fails. */
    public String kubectl(String... args) {
        List<String> command = new ArrayList<>(List.of(binaries.path("kubectl").toString(),
                "--kubeconfig=" + kubeconfig()));
        command.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(false).start();
            p.getOutputStream().close();
            byte[] out = p.getInputStream().readAllBytes();
            byte[] err = p.getErrorStream().readAllBytes();
            if (p.waitFor() != 0) {
                throw new IllegalStateException("kubectl " + String.join(" ", args) + ": "
                        + new String(err, StandardCharsets.UTF_8).trim());
            }
            return new String(out, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Starts a process that is stopped with the cluster; output in {@code logs/<name>.log}. */
    public Process spawn(String name, List<String> command) {
        return spawn(name, command, Map.of());
    }

    public Process spawn(String name, List<String> command, Map<String, String> env) {
        try {
            ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("logs").resolve(name + ".log").toFile()));
            pb.environment().putAll(env);
            Process p = pb.start();
            p.getOutputStream().close();
            synchronized (processes) {
                processes.add(p);
                byName.put(name, p);
            }
            return p;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + command.get(0), e);
        }
    }

    private void waitReady() {
        Waits.until(Duration.ofSeconds(120), "kube-apiserver /readyz at " + url(), () -> {
            Process api = byName.get("kube-apiserver");
            if (!api.isAlive()) {
                throw new IllegalStateException("kube-apiserver exited " + api.exitValue() + "; see "
                        + dir.resolve("logs/kube-apiserver.log"));
            }
            try {
                return "ok".equals(admin.raw(url() + "/readyz"));
            } catch (RuntimeException notYet) {
                return false;
            }
        });
    }

    private Config base() {
        return new ConfigBuilder(Config.empty()).withMasterUrl(url()).withTrustCerts(true).withDisableHostnameVerification(true)
                .withRequestTimeout(30_000).withConnectionTimeout(10_000).build();
    }

    private static KubernetesClient client(Config config) {
        return new KubernetesClientBuilder().withConfig(config).build();
    }

    private String kubeconfig(String user, String token) {
        return """
                apiVersion: v1
                kind: Config
                clusters:
                  - name: dgan-test
                    cluster:
                      server: %s
                      insecure-skip-tls-verify: true
                users:
                  - name: %s
                    user:
                      token: %s
                contexts:
                  - name: dgan-test
                    context: {cluster: dgan-test, user: %s}
                current-context: dgan-test
                """.formatted(url(), user, token, user);
    }

    private void writeServiceAccountKeys() throws IOException {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(2048);
            KeyPair pair = generator.generateKeyPair();
            Files.writeString(dir.resolve("sa.key"), pem("PRIVATE KEY", pair.getPrivate().getEncoded()));
            Files.writeString(dir.resolve("sa.pub"), pem("PUBLIC KEY", pair.getPublic().getEncoded()));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                .encodeToString(der) + "\n-----END " + type + "-----\n";
    }

    /** A free TCP port on loopback (bound and released; the caller binds it next). */
    public static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void killAll() {
        List<Process> all;
        synchronized (processes) {
            all = new ArrayList<>(processes);
            processes.clear();
        }
        // Reverse start order: controllers before the API server before etcd.
        for (int i = all.size() - 1; i >= 0; i--) all.get(i).destroy();
        for (int i = all.size() - 1; i >= 0; i--) {
            Process p = all.get(i);
            try {
                if (!p.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) p.destroyForcibly().waitFor();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                p.destroyForcibly();
            }
        }
    }

    @Override
    public void close() {
        if (admin != null) admin.close();
        killAll();
        try {
            Runtime.getRuntime().removeShutdownHook(reaper);
        } catch (IllegalStateException shuttingDown) {
            // the hook runs anyway
        }
    }
}
