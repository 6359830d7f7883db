package io.dgan.kube.testkit;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.KeyToPath;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.api.model.NodeConditionBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A node that runs real processes: a small kubelet for machines where a container runtime cannot run. It registers a
 * Node, keeps its lease and Ready condition, and for every pod the scheduler binds to it starts the pod's container
 * as a host process from a {@link LocalImage}: the pod's command and args, its environment (values and the
 * downward API), its volumes as folders (ConfigMaps and Secrets written as files and kept in sync, emptyDirs, and
 * PersistentVolumeClaims that outlive the pod), and an address of its own on loopback ({@code 127.1.x.y}, the
 * pod IP). Names resolve as cluster DNS would resolve a pod's {@code hostname.subdomain} through a hosts file every
 * JVM it starts reads ({@code -Djdk.net.hosts.file}). It reports Running, Succeeded or Failed with the exit code,
 * restarts containers under {@code restartPolicy: Always}, and honours deletion with SIGTERM, the grace period and
 * SIGKILL.
 *
 * <p>What it does not do: isolate processes (no namespaces, cgroups or resource limits), run probes (a started
 * container is Ready), pull images, or enforce NetworkPolicy.
 */
public final class ProcessNode implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ProcessNode.class);
    private static final DateTimeFormatter TIME = DateTimeFormatter.ISO_INSTANT;

    private final KubeCluster cluster;
    private final KubernetesClient client;
    private final String name;
    private final int index;
    private final List<LocalImage> images;
    private final Path root;
    private final Path hostsFile;
    private final ScheduledExecutorService loop;
    private final Map<String, RunningPod> pods = new ConcurrentHashMap<>();
    private final Map<String, String> hostEntries = new LinkedHashMap<>();
    private int nextAddress = 2;
    private SharedIndexInformer<Pod> podInformer;
    private SharedIndexInformer<ConfigMap> configMapInformer;
    private SharedIndexInformer<Secret> secretInformer;
    private volatile boolean closed;
    private final Thread reaper = new Thread(this::close, "process-node-reaper");
    /** Second octet of this node's pod addresses: random, so that a node never reuses a leftover's addresses. */
    private final int octet = new java.util.Random().nextInt(180); // 127.10-189.x.x; kwok uses 127.200.x.x

    /** One container of a pod, as a host process. */
    private final class RunningPod {
        final Pod pod;
        final String ip;
        final Path dir;
        final Map<String, Path> mounts;
        final List<String> command;
        final Map<String, String> env;
        Process process;
        int restarts;
        boolean deleting;
        Boolean ready;
        int livenessFailures;
        long startedNanos;

        RunningPod(Pod pod, String ip, Path dir, Map<String, Path> mounts, List<String> command, Map<String, String> env) {
            this.pod = pod;
            this.ip = ip;
            this.dir = dir;
            this.mounts = mounts;
            this.command = command;
            this.env = env;
        }

        String key() {
            return pod.getMetadata().getNamespace() + "/" + pod.getMetadata().getName();
        }
    }

    public ProcessNode(KubeCluster cluster, String name, int index, List<LocalImage> images) {
        this.cluster = cluster;
        this.client = cluster.adminClient();
        this.name = name;
        this.index = index;
        this.images = List.copyOf(images);
        this.root = cluster.dir().resolve("nodes").resolve(name);
        this.hostsFile = root.resolve("hosts");
        this.loop = Executors.newSingleThreadScheduledExecutor(r -> new Thread(r, "process-node-" + name));
    }

    public ProcessNode start() {
        Runtime.getRuntime().addShutdownHook(reaper); // no pod process outlives the test JVM
        try {
            Files.createDirectories(root);
            writeHosts();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Node node = new NodeBuilder().withNewMetadata().withName(name)
                .addToLabels("kubernetes.io/hostname", name).addToLabels("kubernetes.io/os", "linux")
                .addToLabels("kubernetes.io/arch", "amd64").addToLabels("dgan.io/process-node", "true").endMetadata()
                .withNewSpec().endSpec().build();
        client.nodes().resource(node).createOr(existing -> existing.update());
        heartbeat();
        loop.scheduleWithFixedDelay(this::heartbeat, 10, 10, TimeUnit.SECONDS);
        // Mounted ConfigMaps and Secrets follow their objects, as the kubelet's volumes do.
        configMapInformer = client.configMaps().inAnyNamespace().inform(onUpdate(this::syncConfigMap));
        secretInformer = client.secrets().inAnyNamespace().inform(onUpdate(this::syncSecret));
        podInformer = client.pods().inAnyNamespace().withField("spec.nodeName", name).inform(new ResourceEventHandler<>() {
            @Override
            public void onAdd(Pod pod) {
                loop.execute(() -> observe(pod));
            }

            @Override
            public void onUpdate(Pod old, Pod pod) {
                loop.execute(() -> observe(pod));
            }

            @Override
            public void onDelete(Pod pod, boolean unknown) {
                loop.execute(() -> forget(pod));
            }
        });
        LOG.info("process node {} ready ({} local images)", name, images.size());
        return this;
    }

    public String name() {
        return name;
    }

    /** The pod IP this node gave a running pod, or null. */
    public String podIp(String namespace, String pod) {
        return pods.values().stream().filter(p -> p.key().equals(namespace + "/" + pod)).map(p -> p.ip).findFirst().orElse(null);
    }

    /** Kills a running pod's process with SIGKILL, as an OOM kill or a crashed node would (the pod then fails). */
    public boolean killProcess(String namespace, String pod) {
        for (RunningPod p : pods.values()) {
            if (p.key().equals(namespace + "/" + pod) && p.process != null && p.process.isAlive()) {
                p.process.destroyForcibly();
                return true;
            }
        }
        return false;
    }

    /** Pods this node is running now. */
    public int running() {
        return (int) pods.values().stream().filter(p -> p.process != null && p.process.isAlive()).count();
    }

    // --- pod lifecycle (all on the node's loop thread)

    private void observe(Pod pod) {
        if (closed) return;
        String uid = pod.getMetadata().getUid();
        RunningPod running = pods.get(uid);
        if (pod.getMetadata().getDeletionTimestamp() != null) {
            if (running == null) {
                finalDelete(pod);
            } else if (!running.deleting) {
                running.deleting = true;
                terminate(running, grace(pod));
            }
            return;
        }
        if (running != null) return;
        String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
        if ("Succeeded".equals(phase) || "Failed".equals(phase)) return;
        try {
            launch(pod);
        } catch (RuntimeException | IOException e) {
            LOG.warn("cannot start pod {}/{}: {}", pod.getMetadata().getNamespace(), pod.getMetadata().getName(), e.toString());
            setStatus(pod, "Failed", null, null, -1, "StartError: " + e.getMessage(), 0);
        }
    }

    private void launch(Pod pod) throws IOException {
        Container container = pod.getSpec().getContainers().get(0);
        LocalImage image = images.stream().filter(i -> i.matches(container.getImage())).findFirst().orElse(null);
        if (image == null) {
            setWaiting(pod, "ErrImagePull", "image " + container.getImage() + " is not among this node's local images");
            return;
        }
        String ip = nextIp();
        Path dir = root.resolve("pods").resolve(pod.getMetadata().getNamespace() + "_" + pod.getMetadata().getName()
                + "_" + pod.getMetadata().getUid());
        Files.createDirectories(dir);
        Map<String, Path> mounts = mountVolumes(pod, container, dir);
        // Paths the pod names (its env values, command, args) point into its volumes; the image's own environment
        // and what the node adds below are host paths already and are not rewritten.
        Map<String, String> env = new LinkedHashMap<>(image.env());
        if (container.getEnv() != null) {
            for (EnvVar e : container.getEnv()) env.put(e.getName(), remap(envValue(pod, ip, e), mounts));
        }
        if (hasServiceAccountToken(pod)) {
            // In-cluster configuration, emulated: the pod's service account token in a kubeconfig (clients read the
            // token from a fixed path in a real pod; a host process has no such path of its own).
            String sa = Objects.requireNonNullElse(pod.getSpec().getServiceAccountName(), "default");
            env.put("KUBECONFIG", cluster.serviceAccountKubeconfig(pod.getMetadata().getNamespace(), sa,
                    dir.resolve("kubeconfig")).toString());
        }
        env.put("HOSTNAME", pod.getSpec().getHostname() != null ? pod.getSpec().getHostname() : pod.getMetadata().getName());
        env.put("POD_IP", ip);
        // The pod's network namespace, emulated: a process binds its servers to the pod IP, not to every address.
        env.put("DGAN_BIND", ip);
        env.put("BIND_ADDRESS", ip);
        String jvm = "-Djdk.net.hosts.file=" + hostsFile + " -Dsun.net.inetaddr.ttl=1 -Dsun.net.inetaddr.negative.ttl=0"
                + " -Djava.io.tmpdir=" + Files.createDirectories(mounts.getOrDefault("/tmp", dir.resolve("tmp")));
        env.merge("JAVA_TOOL_OPTIONS", jvm, (a, b) -> a + " " + b);
        // What the pod declares may name paths in its volumes; the image's entrypoint is already a host path (a
        // checkout under /tmp must not be taken for the pod's /tmp volume).
        List<String> command = new ArrayList<>();
        boolean hasCommand = container.getCommand() != null && !container.getCommand().isEmpty();
        if (hasCommand) container.getCommand().forEach(a -> command.add(remap(a, mounts)));
        else command.addAll(image.entrypoint());
        boolean hasArgs = container.getArgs() != null && !container.getArgs().isEmpty();
        if (hasArgs) container.getArgs().forEach(a -> command.add(remap(a, mounts)));
        else if (!hasCommand) command.addAll(image.cmd());
        if (command.get(0).equals("java")) command.set(0, Path.of(System.getProperty("java.home"), "bin", "java").toString());
        addHosts(pod, ip);
        RunningPod running = new RunningPod(pod, ip, dir, mounts, command, env);
        pods.put(pod.getMetadata().getUid(), running);
        spawn(running);
    }

    private void spawn(RunningPod running) {
        Pod pod = running.pod;
        ProcessBuilder pb = new ProcessBuilder(running.command).directory(running.dir.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(cluster.dir().resolve("logs")
                        .resolve("pod_" + pod.getMetadata().getNamespace() + "_" + pod.getMetadata().getName() + ".log").toFile()));
        pb.environment().keySet().retainAll(List.of("PATH", "HOME", "LANG", "USER"));
        pb.environment().putAll(running.env);
        try {
            running.process = pb.start();
            running.process.getOutputStream().close();
        } catch (IOException e) {
            setStatus(pod, "Failed", running.ip, null, 127, "cannot exec " + running.command.get(0) + ": " + e.getMessage(),
                    running.restarts);
            return;
        }
        String started = now();
        running.startedNanos = System.nanoTime();
        Container container = pod.getSpec().getContainers().get(0);
        running.ready = container.getReadinessProbe() == null || container.getReadinessProbe().getHttpGet() == null;
        running.livenessFailures = 0;
        setStatus(pod, "Running", running.ip, started, null, null, running.restarts, running.ready);
        Process process = running.process;
        process.onExit().thenRun(() -> loop.execute(() -> exited(running, process)));
        if (!running.ready || container.getLivenessProbe() != null) {
            loop.schedule(() -> probe(running, process, started), 1, TimeUnit.SECONDS);
        }
    }

    /** HTTP readiness and liveness probes, as the kubelet runs them (TCP and exec probes are not run). */
    private void probe(RunningPod running, Process process, String started) {
        if (closed || running.deleting || running.process != process || !process.isAlive()) return;
        Container c = running.pod.getSpec().getContainers().get(0);
        var readiness = c.getReadinessProbe();
        if (readiness != null && readiness.getHttpGet() != null) {
            boolean ok = httpProbe(running, c, readiness.getHttpGet());
            if (running.ready == null || running.ready != ok) {
                running.ready = ok;
                setStatus(running.pod, "Running", running.ip, started, null, null, running.restarts, ok);
            }
        }
        var liveness = c.getLivenessProbe();
        long age = (System.nanoTime() - running.startedNanos) / 1_000_000_000L;
        if (liveness != null && liveness.getHttpGet() != null
                && age >= java.util.Objects.requireNonNullElse(liveness.getInitialDelaySeconds(), 0)) {
            if (httpProbe(running, c, liveness.getHttpGet())) {
                running.livenessFailures = 0;
            } else if (++running.livenessFailures >= java.util.Objects.requireNonNullElse(liveness.getFailureThreshold(), 3)) {
                LOG.info("pod {}: liveness probe failed {} times; killing the container", running.key(), running.livenessFailures);
                process.destroyForcibly();
                return;
            }
        }
        int period = Math.max(1, Math.min(readiness != null && readiness.getPeriodSeconds() != null ? readiness.getPeriodSeconds() : 10,
                liveness != null && liveness.getPeriodSeconds() != null ? liveness.getPeriodSeconds() : 10));
        loop.schedule(() -> probe(running, process, started), period, TimeUnit.SECONDS);
    }

    private static boolean httpProbe(RunningPod running, Container c, io.fabric8.kubernetes.api.model.HTTPGetAction get) {
        Integer port = get.getPort().getIntVal();
        if (port == null && c.getPorts() != null) {
            port = c.getPorts().stream().filter(p -> get.getPort().getStrVal().equals(p.getName()))
                    .map(io.fabric8.kubernetes.api.model.ContainerPort::getContainerPort).findFirst().orElse(null);
        }
        if (port == null) return false;
        try {
            var response = PROBES.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://" + running.ip + ":"
                            + port + (get.getPath() == null ? "/" : get.getPath()))).timeout(java.time.Duration.ofSeconds(2)).build(),
                    java.net.http.HttpResponse.BodyHandlers.discarding());
            return response.statusCode() >= 200 && response.statusCode() < 400;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static final java.net.http.HttpClient PROBES = java.net.http.HttpClient.newBuilder()
            .connectTimeout(java.time.Duration.ofSeconds(2)).build();

    private void exited(RunningPod running, Process process) {
        if (closed || running.process != process) return;
        int code = process.exitValue();
        if (running.deleting) {
            pods.remove(running.pod.getMetadata().getUid());
            removeHosts(running.pod);
            finalDelete(running.pod);
            return;
        }
        String policy = Objects.requireNonNullElse(running.pod.getSpec().getRestartPolicy(), "Always");
        if (policy.equals("Always") || (policy.equals("OnFailure") && code != 0)) {
            running.restarts++;
            LOG.info("pod {} exited {}; restart {} ({})", running.key(), code, running.restarts, policy);
            loop.schedule(() -> {
                if (!running.deleting && !closed) spawn(running);
            }, Math.min(10, running.restarts), TimeUnit.SECONDS);
            return;
        }
        LOG.info("pod {} exited {}", running.key(), code);
        setStatus(running.pod, code == 0 ? "Succeeded" : "Failed", running.ip, null, code,
                code == 0 ? "Completed" : "Error", running.restarts);
        removeHosts(running.pod);
    }

    private void terminate(RunningPod running, long graceSeconds) {
        Process p = running.process;
        if (p == null || !p.isAlive()) {
            pods.remove(running.pod.getMetadata().getUid());
            removeHosts(running.pod);
            finalDelete(running.pod);
            return;
        }
        p.destroy(); // SIGTERM
        loop.schedule(() -> {
            if (p.isAlive()) p.destroyForcibly();
        }, graceSeconds, TimeUnit.SECONDS);
    }

    private void forget(Pod pod) {
        RunningPod running = pods.remove(pod.getMetadata().getUid());
        if (running != null && running.process != null && running.process.isAlive()) running.process.destroyForcibly();
        removeHosts(pod);
    }

    /**
     * Removes a pod this node has stopped, as the kubelet does: the delete carries the pod's UID as a precondition, so
     * a late call (a queued update of a pod already gone) can never remove a newer pod of the same name, such as the
     * worker a job creates on resume or a rank's replacement.
     */
    private void finalDelete(Pod pod) {
        String uid = pod.getMetadata().getUid();
        var options = new io.fabric8.kubernetes.api.model.DeleteOptionsBuilder().withGracePeriodSeconds(0L)
                .withNewPreconditions().withUid(uid).endPreconditions().build();
        try {
            client.raw("/api/v1/namespaces/" + pod.getMetadata().getNamespace() + "/pods/" + pod.getMetadata().getName(),
                    "DELETE", options);
        } catch (KubernetesClientException e) {
            LOG.debug("final delete of {}: {}", pod.getMetadata().getName(), e.getMessage());
        }
    }

    private static long grace(Pod pod) {
        Long g = pod.getMetadata().getDeletionGracePeriodSeconds();
        if (g == null) g = pod.getSpec().getTerminationGracePeriodSeconds();
        return g == null ? 30 : Math.max(0, Math.min(g, 60));
    }

    // --- status

    private void setStatus(Pod pod, String phase, String ip, String startedAt, Integer exitCode, String reason, int restarts) {
        setStatus(pod, phase, ip, startedAt, exitCode, reason, restarts, phase.equals("Running"));
    }

    private void setStatus(Pod pod, String phase, String ip, String startedAt, Integer exitCode, String reason, int restarts,
                           boolean ready) {
        String now = now();
        try {
            client.pods().inNamespace(pod.getMetadata().getNamespace()).withName(pod.getMetadata().getName()).editStatus(p -> {
                var status = p.getStatus();
                status.setPhase(phase);
                if (ip != null) {
                    status.setPodIP(ip);
                    status.setPodIPs(List.of(new io.fabric8.kubernetes.api.model.PodIPBuilder().withIp(ip).build()));
                    status.setHostIP("127.0.0.1");
                }
                if (status.getStartTime() == null) status.setStartTime(now);
                boolean running = phase.equals("Running");
                status.setConditions(List.of(condition("PodScheduled", true, now), condition("Initialized", true, now),
                        condition("ContainersReady", ready, now), condition("Ready", ready, now)));
                Container c = p.getSpec().getContainers().get(0);
                var cs = new io.fabric8.kubernetes.api.model.ContainerStatusBuilder().withName(c.getName())
                        .withImage(c.getImage()).withImageID("local://" + c.getImage()).withReady(ready)
                        .withStarted(running).withRestartCount(restarts).withNewState();
                if (running) {
                    cs = cs.withNewRunning().withStartedAt(startedAt).endRunning();
                } else {
                    cs = cs.withNewTerminated().withExitCode(exitCode).withReason(reason).withFinishedAt(now).endTerminated();
                }
                status.setContainerStatuses(List.of(cs.endState().build()));
                return p;
            });
        } catch (KubernetesClientException e) {
            LOG.debug("status of {}: {}", pod.getMetadata().getName(), e.getMessage());
        }
    }

    private void setWaiting(Pod pod, String reason, String message) {
        try {
            client.pods().inNamespace(pod.getMetadata().getNamespace()).withName(pod.getMetadata().getName()).editStatus(p -> {
                Container c = p.getSpec().getContainers().get(0);
                p.getStatus().setContainerStatuses(List.of(new io.fabric8.kubernetes.api.model.ContainerStatusBuilder()
                        .withName(c.getName()).withImage(c.getImage()).withReady(false).withRestartCount(0).withNewState()
                        .withNewWaiting().withReason(reason).withMessage(message).endWaiting().endState().build()));
                return p;
            });
        } catch (KubernetesClientException e) {
            LOG.debug("status of {}: {}", pod.getMetadata().getName(), e.getMessage());
        }
    }

    private static PodCondition condition(String type, boolean status, String now) {
        return new PodConditionBuilder().withType(type).withStatus(status ? "True" : "False").withLastTransitionTime(now).build();
    }

    private void heartbeat() {
        if (closed) return;
        String now = now();
        try {
            client.nodes().withName(name).editStatus(n -> {
                var status = n.getStatus();
                Map<String, Quantity> capacity = Map.of("cpu", new Quantity("64"), "memory", new Quantity("256Gi"),
                        "pods", new Quantity("1000"), "ephemeral-storage", new Quantity("100Gi"));
                status.setCapacity(capacity);
                status.setAllocatable(capacity);
                List<NodeCondition> conditions = new ArrayList<>();
                conditions.add(new NodeConditionBuilder().withType("Ready").withStatus("True").withReason("ProcessNodeReady")
                        .withMessage("runs pods as host processes").withLastHeartbeatTime(now).withLastTransitionTime(
                                n.getStatus().getConditions() == null ? now : n.getStatus().getConditions().stream()
                                        .filter(c -> c.getType().equals("Ready")).map(NodeCondition::getLastTransitionTime)
                                        .findFirst().orElse(now)).build());
                for (String pressure : List.of("MemoryPressure", "DiskPressure", "PIDPressure")) {
                    conditions.add(new NodeConditionBuilder().withType(pressure).withStatus("False").withReason("None")
                            .withLastHeartbeatTime(now).withLastTransitionTime(now).build());
                }
                status.setConditions(conditions);
                status.setAddresses(List.of(new io.fabric8.kubernetes.api.model.NodeAddressBuilder().withType("InternalIP")
                        .withAddress("127.0.0.1").build(), new io.fabric8.kubernetes.api.model.NodeAddressBuilder()
                        .withType("Hostname").withAddress(name).build()));
                status.setNodeInfo(new io.fabric8.kubernetes.api.model.NodeSystemInfoBuilder().withArchitecture("amd64")
                        .withOperatingSystem("linux").withKubeletVersion(cluster.binaries().kubeVersion())
                        .withContainerRuntimeVersion("dgan-process-node://1").withKernelVersion(System.getProperty("os.version"))
                        .withOsImage("host").withMachineID(name).withSystemUUID(name).withBootID(name)
                        .withKubeProxyVersion("").build());
                return n;
            });
            Lease lease = new LeaseBuilder().withNewMetadata().withName(name).withNamespace("kube-node-lease").endMetadata()
                    .withNewSpec().withHolderIdentity(name).withLeaseDurationSeconds(40)
                    .withRenewTime(ZonedDateTime.now()).endSpec().build();
            client.leases().inNamespace("kube-node-lease").resource(lease).createOr(l -> l.update());
        } catch (KubernetesClientException e) {
            LOG.debug("heartbeat of {}: {}", name, e.getMessage());
        }
    }

    // --- volumes

    private Map<String, Path> mountVolumes(Pod pod, Container container, Path dir) throws IOException {
        Map<String, Path> volumes = new HashMap<>();
        if (pod.getSpec().getVolumes() != null) {
            for (Volume v : pod.getSpec().getVolumes()) {
                Path path;
                if (v.getHostPath() != null) {
                    volumes.put(v.getName(), Path.of(v.getHostPath().getPath()));
                    continue;
                }
                if (v.getPersistentVolumeClaim() != null) {
                    path = root.resolve("claims").resolve(pod.getMetadata().getNamespace())
                            .resolve(v.getPersistentVolumeClaim().getClaimName());
                } else {
                    path = dir.resolve("volumes").resolve(v.getName());
                }
                Files.createDirectories(path);
                if (v.getConfigMap() != null) {
                    ConfigMap cm = client.configMaps().inNamespace(pod.getMetadata().getNamespace())
                            .withName(v.getConfigMap().getName()).get();
                    if (cm != null) writeConfigMap(cm, v.getConfigMap().getItems(), path);
                } else if (v.getSecret() != null) {
                    Secret s = client.secrets().inNamespace(pod.getMetadata().getNamespace())
                            .withName(v.getSecret().getSecretName()).get();
                    if (s != null) writeSecretVolume(s, path);
                }
                volumes.put(v.getName(), path);
            }
        }
        Map<String, Path> mounts = new HashMap<>();
        if (container.getVolumeMounts() != null) {
            for (VolumeMount m : container.getVolumeMounts()) {
                Path source = volumes.get(m.getName());
                if (source == null) continue;
                mounts.put(m.getMountPath(), m.getSubPath() == null || m.getSubPath().isEmpty() ? source
                        : source.resolve(m.getSubPath()));
            }
        }
        return mounts;
    }

    private void syncConfigMap(ConfigMap cm) {
        String name = cm.getMetadata().getName();
        syncVolumes(cm, v -> v.getConfigMap() != null && v.getConfigMap().getName().equals(name),
                (v, dir) -> writeConfigMap(cm, v.getConfigMap().getItems(), dir));
    }

    private void syncSecret(Secret secret) {
        String name = secret.getMetadata().getName();
        syncVolumes(secret, v -> v.getSecret() != null && name.equals(v.getSecret().getSecretName()),
                (v, dir) -> writeSecretVolume(secret, dir));
    }

    /** Writes one volume's files into {@code dir}. */
    private interface VolumeWriter {
        void write(Volume volume, Path dir) throws IOException;
    }

    /** An updated ConfigMap or Secret, written into the volume of every running pod that mounts it. */
    private void syncVolumes(io.fabric8.kubernetes.api.model.HasMetadata object,
                             java.util.function.Predicate<Volume> mountsIt, VolumeWriter writer) {
        for (RunningPod running : pods.values()) {
            if (!running.pod.getMetadata().getNamespace().equals(object.getMetadata().getNamespace())) continue;
            if (running.pod.getSpec().getVolumes() == null) continue;
            for (Volume v : running.pod.getSpec().getVolumes()) {
                if (!mountsIt.test(v)) continue;
                try {
                    writer.write(v, running.dir.resolve("volumes").resolve(v.getName()));
                } catch (IOException e) {
                    LOG.warn("sync of {} {} into {}: {}", object.getKind(), object.getMetadata().getName(),
                            running.key(), e.toString());
                }
            }
        }
    }

    /** A handler that runs {@code sync} on the node's loop for every update of an object (adds and deletes: nothing). */
    private <T> ResourceEventHandler<T> onUpdate(java.util.function.Consumer<T> sync) {
        return new ResourceEventHandler<>() {
            @Override
            public void onAdd(T object) {
            }

            @Override
            public void onUpdate(T old, T object) {
                loop.execute(() -> sync.accept(object));
            }

            @Override
            public void onDelete(T object, boolean unknown) {
            }
        };
    }

    /**
     * A Secret volume as the kubelet writes it: the files in a new folder {@code ..<random>}, then one atomic switch
     * of the {@code ..data} link to it, each key a link into {@code ..data}. A reader sees the old set or the new one,
     * never half of an update.
     */
    static void writeSecretVolume(Secret secret, Path dir) throws IOException {
        Map<String, byte[]> files = new java.util.TreeMap<>();
        if (secret.getData() != null) {
            secret.getData().forEach((k, v) -> files.put(k, Base64.getDecoder().decode(v)));
        }
        Path data = dir.resolve("..data");
        if (Files.isDirectory(data) && sameFiles(files, data)) return;
        Files.createDirectories(dir);
        Path next = Files.createTempDirectory(dir, "..");
        for (var f : files.entrySet()) Files.write(next.resolve(f.getKey()), f.getValue());
        Path previous = Files.isSymbolicLink(data) ? dir.resolve(Files.readSymbolicLink(data)) : null;
        Path tmp = dir.resolve("..data_tmp");
        Files.deleteIfExists(tmp);
        Files.createSymbolicLink(tmp, next.getFileName());
        Files.move(tmp, data, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        for (String key : files.keySet()) {
            Path link = dir.resolve(key);
            if (!Files.isSymbolicLink(link)) {
                Files.deleteIfExists(link);
                Files.createSymbolicLink(link, Path.of("..data", key));
            }
        }
        if (previous != null && !previous.equals(next)) {
            try (var old = Files.list(previous)) {
                for (Path f : old.toList()) Files.deleteIfExists(f);
            }
            Files.deleteIfExists(previous);
        }
    }

    private static boolean sameFiles(Map<String, byte[]> files, Path data) throws IOException {
        try (var present = Files.list(data)) {
            if (present.count() != files.size()) return false;
        }
        for (var f : files.entrySet()) {
            Path p = data.resolve(f.getKey());
            if (!Files.exists(p) || !java.util.Arrays.equals(Files.readAllBytes(p), f.getValue())) return false;
        }
        return true;
    }

    private static void writeConfigMap(ConfigMap cm, List<KeyToPath> items, Path dir) throws IOException {
        Map<String, String> data = cm.getData() == null ? Map.of() : cm.getData();
        if (items == null || items.isEmpty()) {
            for (var e : data.entrySet()) writeAtomically(dir.resolve(e.getKey()), e.getValue().getBytes(StandardCharsets.UTF_8));
        } else {
            for (KeyToPath item : items) {
                String value = data.get(item.getKey());
                if (value != null) writeAtomically(dir.resolve(item.getPath()), value.getBytes(StandardCharsets.UTF_8));
            }
        }
    }

    private static void writeAtomically(Path file, byte[] content) throws IOException {
        Files.createDirectories(file.getParent());
        if (Files.exists(file) && java.util.Arrays.equals(Files.readAllBytes(file), content)) return;
        Path tmp = file.resolveSibling("." + file.getFileName() + ".tmp");
        Files.write(tmp, content);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** An absolute path inside a mount, rewritten to the folder that backs it; anything else unchanged. */
    private static String remap(String value, Map<String, Path> mounts) {
        if (value == null) return null;
        String best = null;
        for (String mountPath : mounts.keySet()) {
            if ((value.equals(mountPath) || value.startsWith(mountPath + "/")) && (best == null || mountPath.length() > best.length())) {
                best = mountPath;
            }
        }
        return best == null ? value : mounts.get(best).toString() + value.substring(best.length());
    }

    private static boolean hasServiceAccountToken(Pod pod) {
        return pod.getSpec().getVolumes() != null && pod.getSpec().getVolumes().stream().anyMatch(v -> v.getProjected() != null
                && v.getProjected().getSources().stream().anyMatch(src -> src.getServiceAccountToken() != null));
    }

    private static String envValue(Pod pod, String ip, EnvVar e) {
        if (e.getValue() != null) return e.getValue();
        if (e.getValueFrom() != null && e.getValueFrom().getFieldRef() != null) {
            return switch (e.getValueFrom().getFieldRef().getFieldPath()) {
                case "metadata.name" -> pod.getMetadata().getName();
                case "metadata.namespace" -> pod.getMetadata().getNamespace();
                case "metadata.uid" -> pod.getMetadata().getUid();
                case "status.podIP" -> ip;
                case "spec.nodeName" -> pod.getSpec().getNodeName();
                case "spec.serviceAccountName" -> pod.getSpec().getServiceAccountName();
                default -> "";
            };
        }
        return "";
    }

    // --- addresses and names

    private String nextIp() {
        int n = nextAddress++;
        return "127." + ((octet + index) % 180 + 10) + "." + (n / 250) + "." + (n % 250 + 2);
    }

    private void addHosts(Pod pod, String ip) throws IOException {
        String host = pod.getSpec().getHostname() != null ? pod.getSpec().getHostname() : pod.getMetadata().getName();
        String ns = pod.getMetadata().getNamespace();
        StringBuilder names = new StringBuilder(host);
        String sub = pod.getSpec().getSubdomain();
        if (sub != null && !sub.isEmpty()) {
            String fqdn = host + "." + sub + "." + ns + ".svc";
            names.append(' ').append(fqdn).append(".cluster.local ").append(fqdn).append(' ')
                    .append(host).append('.').append(sub).append('.').append(ns).append(' ')
                    .append(host).append('.').append(sub);
        }
        synchronized (hostEntries) {
            hostEntries.put(pod.getMetadata().getUid(), ip + " " + names);
        }
        writeHosts();
    }

    private void removeHosts(Pod pod) {
        boolean changed;
        synchronized (hostEntries) {
            changed = hostEntries.remove(pod.getMetadata().getUid()) != null;
        }
        if (changed) {
            try {
                writeHosts();
            } catch (IOException e) {
                LOG.warn("hosts file: {}", e.toString());
            }
        }
    }

    private void writeHosts() throws IOException {
        StringBuilder out = new StringBuilder("127.0.0.1 localhost\n");
        synchronized (hostEntries) {
            for (String line : hostEntries.values()) out.append(line).append('\n');
        }
        writeAtomically(hostsFile, out.toString().getBytes(StandardCharsets.UTF_8));
    }

    private static String now() {
        return TIME.format(Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS));
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        try {
            Runtime.getRuntime().removeShutdownHook(reaper);
        } catch (IllegalStateException shuttingDown) {
            // called from the hook itself
        }
        if (podInformer != null) podInformer.close();
        if (configMapInformer != null) configMapInformer.close();
        if (secretInformer != null) secretInformer.close();
        loop.shutdownNow();
        List<Process> all = pods.values().stream().map(p -> p.process).filter(Objects::nonNull).toList();
        all.forEach(Process::destroy);
        for (Process p : all) {
            try {
                if (!p.waitFor(10, TimeUnit.SECONDS)) p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                p.destroyForcibly();
            }
        }
        pods.clear();
    }
}
