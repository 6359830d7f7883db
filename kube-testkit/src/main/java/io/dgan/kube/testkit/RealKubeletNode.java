package io.dgan.kube.testkit;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A real node: the kubelet built by the cluster kit on containerd + runc, pod networking by the CNI bridge plugin, the
 * pod sandbox a static pause binary imported as an image (no registry is reachable). Needs root and Debian's
 * {@code containerd}, {@code runc} and {@code containernetworking-plugins}; when one is missing, {@link #start} says
 * which, and the kubelet's own words when its node does not come up. Registered with a taint, so that only pods
 * that ask for it run here.
 */
public final class RealKubeletNode implements AutoCloseable {
    public static final String TAINT = "dgan.io/real-kubelet";
    public static final String PAUSE_IMAGE = "docker.io/dgan/pause:1";
    private static final String CNI_BIN = "/usr/lib/cni";

    /** How the node came up: Ready or not, on which runtime, and the reason when it did not. */
    public record Status(boolean ready, String runtime, String reason) {
        public String describe() {
            return ready ? "a real kubelet node is Ready (" + runtime + ")"
                    : "no real kubelet node (" + runtime + "): " + reason;
        }
    }

    private final KubeCluster cluster;
    private final String name;
    private final Path dir;
    private final Path socket;
    private final List<Process> processes = new ArrayList<>();
    private Status status;

    private RealKubeletNode(KubeCluster cluster, String name, Path dir) {
        this.cluster = cluster;
        this.name = name;
        this.dir = dir;
        this.socket = dir.resolve("containerd.sock");
    }

    /** Starts containerd and the kubelet and waits up to {@code wait} for the node to be Ready; never throws for a
     * node that does not come up: {@link #status()} says why. */
    public static RealKubeletNode start(KubeCluster cluster, String name, Duration wait) {
        // Short folder: containerd's socket path must fit in 108 bytes.
        Path dir;
        try {
            dir = Files.createTempDirectory("dgan-node-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        RealKubeletNode node = new RealKubeletNode(cluster, name, dir);
        node.status = node.bringUp(wait);
        return node;
    }

    public Status status() {
        return status;
    }

    public String name() {
        return name;
    }

    private Status bringUp(Duration wait) {
        String missing = missing();
        if (missing != null) return new Status(false, "none", missing);
        String runtime = "containerd + runc, CNI bridge";
        try {
            Path cni = Files.createDirectories(dir.resolve("cni"));
            Files.writeString(cni.resolve("10-dgan.conflist"), """
                    {"cniVersion": "1.0.0", "name": "dgan-node", "plugins": [
                      {"type": "bridge", "bridge": "dgan0", "isGateway": true, "ipMasq": false,
                       "ipam": {"type": "host-local", "ranges": [[{"subnet": "10.244.77.0/24"}]], "dataDir": "%s"}},
                      {"type": "loopback"}]}
                    """.formatted(dir.resolve("ipam")));
            Path containerdConfig = dir.resolve("containerd.toml");
            // restrict_oom_score_adj: this machine refuses a negative oom_score_adj (the sandbox asks for -998;
            // runc then fails with "can't get final child's PID from pipe"), so none below containerd's own.
            Files.writeString(containerdConfig, """
                    version = 2
                    root = "%s"
                    state = "%s"
                    [grpc]
                      address = "%s"
                    [plugins."io.containerd.grpc.v1.cri"]
                      sandbox_image = "%s"
                      restrict_oom_score_adj = true
                    [plugins."io.containerd.grpc.v1.cri".cni]
                      bin_dir = "%s"
                      conf_dir = "%s"
                    """.formatted(dir.resolve("containerd"), dir.resolve("containerd-state"), socket, PAUSE_IMAGE,
                    CNI_BIN, cni));
            processes.add(cluster.spawn("containerd", List.of(onPath("containerd").toString(),
                    "--config=" + containerdConfig)));
            Waits.until(Duration.ofSeconds(30), "containerd's socket", () -> Files.exists(socket));
            Path pause = OciImage.write(dir.resolve("pause.tar"), PAUSE_IMAGE,
                    Map.of("/pause", cluster.binaries().path("pause")), List.of("/pause"));
            ctr("images", "import", pause.toString());
            Path kubeletConfig = dir.resolve("kubelet.yaml");
            // cgroups here are v1 (hybrid): recent kubelets refuse them unless told otherwise.
            Files.writeString(kubeletConfig, """
                    apiVersion: kubelet.config.k8s.io/v1beta1
                    kind: KubeletConfiguration
                    failCgroupV1: false
                    cgroupDriver: cgroupfs
                    containerRuntimeEndpoint: unix://%s
                    authentication: {anonymous: {enabled: false}, webhook: {enabled: false}}
                    authorization: {mode: AlwaysAllow}
                    address: 127.0.0.1
                    port: %d
                    readOnlyPort: 0
                    healthzPort: 0
                    failSwapOn: false
                    registerWithTaints: [{key: %s, effect: NoSchedule}]
                    """.formatted(socket, KubeCluster.freePort(), TAINT));
            Process kubelet = cluster.spawn("kubelet", List.of(cluster.binaries().path("kubelet").toString(),
                    "--kubeconfig=" + cluster.kubeconfig(), "--config=" + kubeletConfig, "--hostname-override=" + name,
                    "--root-dir=" + dir.resolve("kubelet"), "--cert-dir=" + dir.resolve("pki"), "--v=1"));
            processes.add(kubelet);
            long deadline = System.nanoTime() + wait.toNanos();
            while (System.nanoTime() < deadline && kubelet.isAlive()) {
                if (ready()) return new Status(true, runtime, "");
                Thread.sleep(1000);
            }
            return new Status(false, runtime, reason(cluster.dir().resolve("logs/kubelet.log"), kubelet));
        } catch (IOException | RuntimeException e) {
            return new Status(false, runtime, e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Status(false, runtime, "interrupted");
        }
    }

    /** Runs a pod of the pause image on this node; returns it once Running with an address from the pod network. */
    public Pod runPod(String namespace, String podName, Duration wait) {
        var pods = cluster.adminClient().pods().inNamespace(namespace);
        // The ServiceAccount admission refuses pods until the namespace's default account exists.
        Waits.until(Duration.ofSeconds(60), "the default ServiceAccount of " + namespace, () -> cluster.adminClient()
                .serviceAccounts().inNamespace(namespace).withName("default").get() != null);
        pods.resource(new PodBuilder().withNewMetadata().withName(podName).withNamespace(namespace).endMetadata()
                .withNewSpec().withNodeName(name).withAutomountServiceAccountToken(false)
                .addNewToleration().withKey(TAINT).withOperator("Exists").withEffect("NoSchedule").endToleration()
                .addNewContainer().withName("pause").withImage(PAUSE_IMAGE).withImagePullPolicy("Never").endContainer()
                .endSpec().build()).create();
        Waits.until(wait, podName + " Running on " + name, () -> {
            Pod p = pods.withName(podName).get();
            return p != null && p.getStatus() != null && "Running".equals(p.getStatus().getPhase())
                    && p.getStatus().getPodIP() != null;
        });
        return pods.withName(podName).get();
    }

    private boolean ready() {
        try {
            var n = cluster.adminClient().nodes().withName(name).get();
            return n != null && n.getStatus() != null && n.getStatus().getConditions() != null && n.getStatus()
                    .getConditions().stream().anyMatch(c -> c.getType().equals("Ready") && c.getStatus().equals("True"));
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** What this machine lacks for a real node, or null. */
    public static String missing() {
        if (!"root".equals(System.getProperty("user.name"))) {
            return "the kubelet and containerd need root; the tests run as " + System.getProperty("user.name");
        }
        List<String> absent = new ArrayList<>();
        if (onPath("containerd") == null) absent.add("containerd (Debian package containerd)");
        if (onPath("runc") == null) absent.add("runc (Debian package runc)");
        if (!Files.isExecutable(Path.of(CNI_BIN, "bridge"))) absent.add(CNI_BIN + "/bridge (Debian package containernetworking-plugins)");
        return absent.isEmpty() ? null : "not installed: " + String.join(", ", absent);
    }

    /** The kubelet's own account: its last error lines, and whether it exited. */
    static String reason(Path log, Process kubelet) throws IOException {
        List<String> lines = Files.exists(log) ? Files.readAllLines(log) : List.of();
        List<String> errors = lines.stream().filter(l -> l.startsWith("E") || l.startsWith("F")).toList();
        String tail = errors.isEmpty() ? (lines.isEmpty() ? "no output" : lines.get(lines.size() - 1))
                : String.join(" | ", errors.subList(Math.max(0, errors.size() - 2), errors.size()));
        String state = kubelet.isAlive() ? "kubelet running, node not Ready" : "kubelet exited " + kubelet.exitValue();
        return state + "; " + (tail.length() > 600 ? tail.substring(0, 600) + "..." : tail);
    }

    private void ctr(String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of("ctr", "--address", socket.toString(), "--namespace", "k8s.io"));
        command.addAll(List.of(args));
        OciImage.run(command);
    }

    private static Path onPath(String binary) {
        List<String> dirs = new ArrayList<>(List.of(System.getenv().getOrDefault("PATH", "").split(":")));
        dirs.addAll(List.of("/usr/bin", "/usr/sbin", "/usr/local/bin", "/sbin"));
        for (String d : dirs) {
            if (d.isEmpty()) continue;
            Path p = Path.of(d, binary);
            if (Files.isExecutable(p)) return p;
        }
        return null;
    }

    /** Removes the node's pods and the node, stops the kubelet, containerd and its container shims, and unmounts
     * what the kubelet mounted. */
    @Override
    public void close() {
        var client = cluster.adminClient();
        try {
            client.pods().inAnyNamespace().withField("spec.nodeName", name).list().getItems()
                    .forEach(p -> client.pods().inNamespace(p.getMetadata().getNamespace())
                            .withName(p.getMetadata().getName()).withGracePeriod(0).delete());
            client.nodes().withName(name).delete();
        } catch (RuntimeException ignored) {
            // the node may never have registered
        }
        for (int i = processes.size() - 1; i >= 0; i--) processes.get(i).destroyForcibly();
        // runc's shims outlive containerd: they are found by the socket they were started for.
        ProcessHandle.allProcesses().filter(h -> h.info().commandLine().map(c -> c.contains("containerd-shim")
                && c.contains(socket.toString())).orElse(false)).forEach(h -> {
            h.descendants().forEach(ProcessHandle::destroyForcibly);
            h.destroyForcibly();
        });
        try {
            List<String> mounts = Files.readAllLines(Path.of("/proc/mounts")).stream().map(l -> l.split(" ")[1])
                    .filter(m -> m.startsWith(dir.toString())).sorted(Comparator.reverseOrder()).toList();
            for (String m : mounts) new ProcessBuilder("umount", "-l", m).start().waitFor();
            try (var walk = Files.walk(dir)) {
                walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        } catch (IOException | RuntimeException e) {
            // best effort: a leftover folder under /tmp
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        return name + " " + status.describe().toLowerCase(Locale.ROOT);
    }
}
