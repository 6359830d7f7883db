package io.dgan.operator.resources;

import io.dgan.operator.crd.DecentralizedGANJob;
import io.dgan.operator.crd.DecentralizedGANJobSpec;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.ContainerPortBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.ProbeBuilder;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One worker pod (rank i) from the job's pod template. The operator owns the pods directly rather than through a
 * StatefulSet or an Indexed Job: a single failed rank must be replaceable on its own and, under RewireAndReplace,
 * cut out of the graph first; a StatefulSet would restart it in place with no hook for the rewire, and an Indexed
 * Job's pod template is immutable and its failure handling is per job, not per rank.
 *
 * <p>What the operator sets (and overrides if the template sets it): name and hostname {@code <job>-worker-<i>},
 * subdomain {@code <job>-peers} (peer DNS), the contract's env vars, the topology and config mounts, the gossip
 * and metrics ports, {@code restartPolicy: Never} (a crash must reach the operator, which applies the failure
 * policy; the kubelet restarting the container in place would hide it). What it adds only if the template has
 * none: args {@code [worker]}, a readiness probe on the gossip port, a restricted security context,
 * {@code terminationMessagePolicy: FallbackToLogsOnError} (the worker's one line on why it failed, else its log's
 * tail, in the pod's status; a template's own terminationMessagePath reaches the worker as
 * {@code DGAN_TERMINATION_MESSAGE_PATH}).
 */
public final class WorkerPod {
    public static final String CONTAINER = "worker";
    /** The worker's --receive-timeout, from spec.failurePolicy.receiveTimeoutSeconds when set. */
    public static final String RECEIVE_TIMEOUT_ENV = "DGAN_RECEIVE_TIMEOUT_SECONDS";
    public static final String TOPOLOGY_VOLUME = "dgan-topology";
    public static final String CONFIG_VOLUME = "dgan-config";
    public static final String RUN_VOLUME = "dgan-run";
    public static final String RUN_DIR = "/var/run/dgan";
    public static final String TMP_VOLUME = "dgan-tmp";
    public static final String CHECKPOINT_VOLUME = "dgan-checkpoints";
    /** Where the worker writes its termination message when the template sets a path other than Kubernetes'. */
    public static final String TERMINATION_MESSAGE_PATH_ENV = "DGAN_TERMINATION_MESSAGE_PATH";
    public static final String DEFAULT_TERMINATION_MESSAGE_PATH = "/dev/termination-log";
    public static final String FALLBACK_TO_LOGS_ON_ERROR = "FallbackToLogsOnError";
    /** The worker image's user and group (worker-image/Dockerfile): fsGroup makes mounted volumes writable to it. */
    public static final long WORKER_GID = 65532L;

    private WorkerPod() {
    }

    public static Pod desired(DecentralizedGANJob job, int rank) {
        DecentralizedGANJobSpec spec = job.getSpec();
        String jobName = job.getMetadata().getName();
        String namespace = job.getMetadata().getNamespace();
        PodTemplateSpec template = Serialization.clone(spec.template);
        PodSpec podSpec = template.getSpec() == null ? new PodSpec() : template.getSpec();

        ObjectMeta meta = Owners.ownedMetadata(job, Names.workerPod(jobName, rank));
        Map<String, String> labels = new LinkedHashMap<>();
        if (template.getMetadata() != null && template.getMetadata().getLabels() != null) {
            labels.putAll(template.getMetadata().getLabels());
        }
        labels.putAll(Labels.forWorker(jobName, rank));
        meta.setLabels(labels);
        Map<String, String> annotations = new LinkedHashMap<>();
        if (template.getMetadata() != null && template.getMetadata().getAnnotations() != null) {
            annotations.putAll(template.getMetadata().getAnnotations());
        }
        annotations.put(RestartHash.ANNOTATION, RestartHash.of(spec));
        meta.setAnnotations(annotations);

        podSpec.setHostname(Names.workerPod(jobName, rank));
        podSpec.setSubdomain(Names.peerService(jobName));
        podSpec.setRestartPolicy("Never");
        addVolume(podSpec, new VolumeBuilder().withName(TOPOLOGY_VOLUME).withNewConfigMap()
                .withName(Names.topologyConfigMap(jobName)).endConfigMap().build());
        addVolume(podSpec, new VolumeBuilder().withName(CONFIG_VOLUME).withNewConfigMap()
                .withName(Names.trainingConfigMap(jobName)).endConfigMap().build());
        addVolume(podSpec, new VolumeBuilder().withName(RUN_VOLUME).withNewEmptyDir().endEmptyDir().build());
        addVolume(podSpec, new VolumeBuilder().withName(TMP_VOLUME).withNewEmptyDir().endEmptyDir().build());
        boolean templateMountsCheckpoints = templateMounts(podSpec, spec.training.checkpointDir);
        if (!templateMountsCheckpoints) {
            addVolume(podSpec, spec.training.checkpointVolume != null
                    ? new VolumeBuilder().withName(CHECKPOINT_VOLUME).withNewPersistentVolumeClaim()
                            .withClaimName(Names.checkpointClaim(jobName, rank)).endPersistentVolumeClaim().build()
                    : new VolumeBuilder().withName(CHECKPOINT_VOLUME).withNewEmptyDir().endEmptyDir().build());
        }
        // Workers talk to their peers and to nothing in the API: no token in the pod.
        if (podSpec.getAutomountServiceAccountToken() == null) podSpec.setAutomountServiceAccountToken(false);
        podSpec.setSecurityContext(restrictedPodSecurityContext(podSpec.getSecurityContext()));
        addVolume(podSpec, new VolumeBuilder().withName(GossipTlsSecret.VOLUME).withNewSecret()
                .withSecretName(GossipTlsSecret.rankName(jobName, rank)).withDefaultMode(0444).endSecret().build());

        Container worker = workerContainer(podSpec);
        if (worker.getArgs() == null || worker.getArgs().isEmpty()) {
            if (worker.getCommand() == null || worker.getCommand().isEmpty()) worker.setArgs(List.of("worker"));
        }
        // The worker writes one line on why it failed to its termination message file; a crash that wrote none
        // (killed, out of memory) still leaves the tail of its log. The operator reads either in the pod's status.
        if (worker.getTerminationMessagePolicy() == null) worker.setTerminationMessagePolicy(FALLBACK_TO_LOGS_ON_ERROR);
        List<EnvVar> owned = new ArrayList<>(contractEnv(job, rank));
        String messagePath = worker.getTerminationMessagePath();
        if (messagePath != null && !messagePath.equals(DEFAULT_TERMINATION_MESSAGE_PATH)) {
            owned.add(env(TERMINATION_MESSAGE_PATH_ENV, messagePath)); // the worker's default is Kubernetes' default
        }
        worker.setEnv(mergedEnv(worker.getEnv(), owned));
        addMount(worker, new VolumeMountBuilder().withName(TOPOLOGY_VOLUME)
                .withMountPath(TopologyConfigMap.MOUNT_DIR).withReadOnly(true).build());
        addMount(worker, new VolumeMountBuilder().withName(CONFIG_VOLUME)
                .withMountPath(TrainingConfigMap.MOUNT_DIR).withReadOnly(true).build());
        addMount(worker, new VolumeMountBuilder().withName(RUN_VOLUME).withMountPath(RUN_DIR).build());
        addMount(worker, new VolumeMountBuilder().withName(TMP_VOLUME).withMountPath("/tmp").build());
        if (!templateMountsCheckpoints) {
            addMount(worker, new VolumeMountBuilder().withName(CHECKPOINT_VOLUME)
                    .withMountPath(spec.training.checkpointDir).build());
        }
        addMount(worker, new VolumeMountBuilder().withName(GossipTlsSecret.VOLUME)
                .withMountPath(GossipTlsSecret.MOUNT_DIR).withReadOnly(true).build());
        if (spec.dataset.volume != null) {
            addMount(worker, new VolumeMountBuilder().withName(spec.dataset.volume)
                    .withMountPath(spec.dataset.path).withReadOnly(true).build());
        }
        worker.setPorts(mergedPorts(worker.getPorts(), List.of(
                new ContainerPortBuilder().withName("gossip").withContainerPort(spec.topology.gossipPort)
                        .withProtocol("TCP").build(),
                new ContainerPortBuilder().withName("metrics").withContainerPort(spec.monitoring.metricsPort)
                        .withProtocol("TCP").build())));
        if (worker.getReadinessProbe() == null) {
            worker.setReadinessProbe(new ProbeBuilder().withNewTcpSocket()
                    .withPort(new IntOrString("gossip")).endTcpSocket()
                    .withPeriodSeconds(5).build());
        }
        // Startup: dataset loading and JIT may take minutes before the metrics endpoint answers; liveness: the
        // metrics endpoint stays up while the process lives, also while a receive waits on a slow peer (a gossip
        // check would kill workers that are only waiting).
        if (worker.getStartupProbe() == null) {
            worker.setStartupProbe(new ProbeBuilder().withNewTcpSocket().withPort(new IntOrString("metrics"))
                    .endTcpSocket().withPeriodSeconds(5).withFailureThreshold(60).build());
        }
        if (worker.getLivenessProbe() == null) {
            worker.setLivenessProbe(new ProbeBuilder().withNewTcpSocket().withPort(new IntOrString("metrics"))
                    .endTcpSocket().withPeriodSeconds(20).withTimeoutSeconds(5).withFailureThreshold(3).build());
        }
        worker.setSecurityContext(restrictedContainerSecurityContext(worker.getSecurityContext()));
        Pod pod = new Pod();
        pod.setApiVersion("v1");
        pod.setKind("Pod");
        pod.setMetadata(meta);
        pod.setSpec(podSpec);
        return pod;
    }

    /**
     * The restricted Pod Security Standard, merged field by field into what the template sets: a field the template
     * sets wins, every other one gets the restricted value (non-root, no privilege escalation, all capabilities
     * dropped, RuntimeDefault seccomp, read-only root filesystem: /tmp, the run and checkpoint directories are
     * writable volumes).
     */
    static io.fabric8.kubernetes.api.model.SecurityContext restrictedContainerSecurityContext(
            io.fabric8.kubernetes.api.model.SecurityContext fromTemplate) {
        var sc = fromTemplate == null ? new io.fabric8.kubernetes.api.model.SecurityContext()
                : Serialization.clone(fromTemplate);
        if (sc.getAllowPrivilegeEscalation() == null) sc.setAllowPrivilegeEscalation(false);
        if (sc.getRunAsNonRoot() == null) sc.setRunAsNonRoot(true);
        if (sc.getReadOnlyRootFilesystem() == null) sc.setReadOnlyRootFilesystem(true);
        if (sc.getCapabilities() == null) {
            sc.setCapabilities(new io.fabric8.kubernetes.api.model.CapabilitiesBuilder().addToDrop("ALL").build());
        } else if (sc.getCapabilities().getDrop() == null || sc.getCapabilities().getDrop().isEmpty()) {
            sc.getCapabilities().setDrop(List.of("ALL"));
        }
        if (sc.getSeccompProfile() == null) {
            sc.setSeccompProfile(new io.fabric8.kubernetes.api.model.SeccompProfileBuilder().withType("RuntimeDefault").build());
        }
        return sc;
    }

    /** fsGroup (volumes writable to the worker's group) and seccomp at pod level, unless the template sets them. */
    static io.fabric8.kubernetes.api.model.PodSecurityContext restrictedPodSecurityContext(
            io.fabric8.kubernetes.api.model.PodSecurityContext fromTemplate) {
        var sc = fromTemplate == null ? new io.fabric8.kubernetes.api.model.PodSecurityContext()
                : Serialization.clone(fromTemplate);
        if (sc.getFsGroup() == null) sc.setFsGroup(WORKER_GID);
        if (sc.getRunAsNonRoot() == null) sc.setRunAsNonRoot(true);
        if (sc.getSeccompProfile() == null) {
            sc.setSeccompProfile(new io.fabric8.kubernetes.api.model.SeccompProfileBuilder().withType("RuntimeDefault").build());
        }
        return sc;
    }

    /** Whether the template's worker container already mounts a volume at {@code path}. */
    private static boolean templateMounts(PodSpec podSpec, String path) {
        if (podSpec.getContainers() == null || podSpec.getContainers().isEmpty()) return false;
        Container c = workerContainer(podSpec);
        return c.getVolumeMounts() != null && c.getVolumeMounts().stream().anyMatch(m -> path.equals(m.getMountPath()));
    }

    /** The rank's checkpoint claim ({@code spec.training.checkpointVolume}), owned by the job unless it is retained. */
    public static io.fabric8.kubernetes.api.model.PersistentVolumeClaim checkpointClaim(DecentralizedGANJob job, int rank) {
        var v = job.getSpec().training.checkpointVolume;
        var metadata = Owners.ownedMetadata(job, Names.checkpointClaim(job.getMetadata().getName(), rank));
        if (v.retained()) metadata.setOwnerReferences(null); // not the garbage collector's: it outlives the job
        return new io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder()
                .withMetadata(metadata)
                .editMetadata().addToLabels(Labels.RANK, Integer.toString(rank)).endMetadata()
                .withNewSpec()
                    .withAccessModes(v.accessModes == null || v.accessModes.isEmpty() ? List.of("ReadWriteOnce") : v.accessModes)
                    .withStorageClassName(v.storageClassName == null || v.storageClassName.isBlank() ? null : v.storageClassName)
                    .withNewResources().addToRequests("storage", new io.fabric8.kubernetes.api.model.Quantity(v.size))
                    .endResources()
                .endSpec()
                .build();
    }

    /** The contract's environment (docs/worker-contract.md) for rank {@code rank}. */
    public static List<EnvVar> contractEnv(DecentralizedGANJob job, int rank) {
        DecentralizedGANJobSpec spec = job.getSpec();
        String jobName = job.getMetadata().getName();
        String namespace = job.getMetadata().getNamespace();
        List<EnvVar> env = new ArrayList<>();
        env.add(env("RANK", Integer.toString(rank)));
        env.add(env("WORLD_SIZE", Integer.toString(spec.workers)));
        env.add(env("DGAN_JOB_NAME", jobName));
        env.add(env("DGAN_NAMESPACE", namespace));
        env.add(env("DGAN_PEER_TEMPLATE", Names.peerTemplate(jobName, namespace, spec.topology.gossipPort)));
        env.add(env("DGAN_GOSSIP_PORT", Integer.toString(spec.topology.gossipPort)));
        env.add(env("DGAN_METRICS_PORT", Integer.toString(spec.monitoring.metricsPort)));
        env.add(env("DGAN_TOPOLOGY_FILE", TopologyConfigMap.FILE));
        env.add(env("DGAN_CONFIG_FILE", TrainingConfigMap.FILE));
        env.add(env("DGAN_RUN_DIR", RUN_DIR));
        env.add(env("DGAN_CHECKPOINT_DIR", spec.training.checkpointDir));
        env.add(env(GossipTlsSecret.ENV, GossipTlsSecret.MOUNT_DIR));
        if (spec.failurePolicy != null && spec.failurePolicy.receiveTimeoutSeconds != null) {
            env.add(env(RECEIVE_TIMEOUT_ENV, Long.toString(spec.failurePolicy.receiveTimeoutSeconds)));
        }
        return env;
    }

    public static Container workerContainer(PodSpec spec) {
        List<Container> containers = spec.getContainers();
        if (containers == null || containers.isEmpty()) {
            throw new IllegalArgumentException("spec.template.spec.containers is empty");
        }
        return containers.stream().filter(c -> CONTAINER.equals(c.getName())).findFirst().orElse(containers.get(0));
    }

    private static EnvVar env(String name, String value) {
        return new EnvVarBuilder().withName(name).withValue(value).build();
    }

    private static List<EnvVar> mergedEnv(List<EnvVar> fromTemplate, List<EnvVar> owned) {
        List<EnvVar> env = new ArrayList<>();
        if (fromTemplate != null) {
            for (EnvVar e : fromTemplate) {
                if (owned.stream().noneMatch(o -> o.getName().equals(e.getName()))) env.add(e);
            }
        }
        env.addAll(owned);
        return env;
    }

    private static List<ContainerPort> mergedPorts(List<ContainerPort> fromTemplate, List<ContainerPort> owned) {
        List<ContainerPort> ports = new ArrayList<>();
        if (fromTemplate != null) {
            for (ContainerPort p : fromTemplate) {
                if (owned.stream().noneMatch(o -> o.getName().equals(p.getName())
                        || o.getContainerPort().equals(p.getContainerPort()))) ports.add(p);
            }
        }
        ports.addAll(owned);
        return ports;
    }

    private static void addVolume(PodSpec spec, Volume volume) {
        List<Volume> volumes = spec.getVolumes() == null ? new ArrayList<>() : new ArrayList<>(spec.getVolumes());
        volumes.removeIf(v -> v.getName().equals(volume.getName()));
        volumes.add(volume);
        spec.setVolumes(volumes);
    }

    private static void addMount(Container c, VolumeMount mount) {
        List<VolumeMount> mounts = c.getVolumeMounts() == null ? new ArrayList<>() : new ArrayList<>(c.getVolumeMounts());
        if (mounts.stream().anyMatch(m -> m.getMountPath().equals(mount.getMountPath()))) return;
        mounts.removeIf(m -> m.getName().equals(mount.getName()) && m.getMountPath().equals(mount.getMountPath()));
        mounts.add(mount);
        c.setVolumeMounts(mounts);
    }
}
