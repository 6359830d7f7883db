package io.dgan.operator.resources;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.dgan.operator.crd.DecentralizedGANJob;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodSpecBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The Kueue {@code Workload} (kueue.x-k8s.io/v1beta2) that stands for a job labelled
 * {@code kueue.x-k8s.io/queue-name}: Kueue's contract for a job kind it has no built-in integration for. The job's
 * controller (this operator) creates it, owned by the job, with one pod set of {@code spec.workers} pods whose
 * template carries the worker's resource requests; Kueue reserves quota for all of them at once and marks the
 * Workload Admitted, and only then are the pods created.
 *
 * <p>The template is the worker pod the operator would create, reduced to what admission reads: each
 * container's name, image and resources (a limit without a request counts as the request, as the API server
 * defaults it on a pod), node selector, tolerations, affinity and priority class. The pod set is immutable once
 * Kueue has seen it; {@link #POD_SET_HASH} lets the operator notice that the job changed (scale, resources, queue)
 * and replace the Workload.
 */
public final class KueueWorkload {
    public static final String GROUP = "kueue.x-k8s.io";
    public static final String VERSION = "v1beta2";
    public static final String API_VERSION = GROUP + "/" + VERSION;
    /** The label a user puts on the job to have Kueue admit it (the same label Kueue reads on its built-in jobs). */
    public static final String QUEUE_LABEL = "kueue.x-k8s.io/queue-name";
    /** The optional label naming a WorkloadPriorityClass (Kueue's own label, copied to the Workload's spec). */
    public static final String PRIORITY_CLASS_LABEL = "kueue.x-k8s.io/priority-class";
    public static final String POD_SET = "workers";
    public static final String POD_SET_HASH = "dgan.io/pod-set-hash";

    public static final ResourceDefinitionContext WORKLOADS = new ResourceDefinitionContext.Builder()
            .withGroup(GROUP).withVersion(VERSION).withKind("Workload").withPlural("workloads").withNamespaced(true)
            .build();
    public static final ResourceDefinitionContext RESOURCE_FLAVORS = new ResourceDefinitionContext.Builder()
            .withGroup(GROUP).withVersion(VERSION).withKind("ResourceFlavor").withPlural("resourceflavors")
            .withNamespaced(false).build();

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);

    private KueueWorkload() {
    }

    /** The queue the job asks for, or null when Kueue is not involved. */
    public static String queueName(DecentralizedGANJob job) {
        Map<String, String> labels = job.getMetadata().getLabels();
        String queue = labels == null ? null : labels.get(QUEUE_LABEL);
        return queue == null || queue.isBlank() ? null : queue;
    }

    public static String name(String job) {
        return job + "-workload";
    }

    public static GenericKubernetesResource desired(DecentralizedGANJob job) {
        String jobName = job.getMetadata().getName();
        Map<String, Object> podSet = new LinkedHashMap<>();
        podSet.put("name", POD_SET);
        podSet.put("count", job.getSpec().workers);
        podSet.put("template", Map.of("spec", JSON.convertValue(admissionSpec(WorkerPod.desired(job, 0).getSpec()),
                Map.class)));
        Map<String, Object> spec = new LinkedHashMap<>();
        spec.put("queueName", queueName(job));
        String priorityClass = job.getMetadata().getLabels() == null ? null
                : job.getMetadata().getLabels().get(PRIORITY_CLASS_LABEL);
        if (priorityClass != null) {
            spec.put("priorityClassRef", Map.of("group", GROUP, "kind", "WorkloadPriorityClass", "name", priorityClass));
        }
        spec.put("podSets", List.of(podSet));

        ObjectMeta meta = Owners.ownedMetadata(job, name(jobName));
        meta.setAnnotations(Map.of(POD_SET_HASH, hash(spec)));
        return new GenericKubernetesResourceBuilder().withApiVersion(API_VERSION).withKind("Workload")
                .withMetadata(meta).withAdditionalProperties(Map.of("spec", spec)).build();
    }

    /** What Kueue reads of a pod to admit it: containers' resources and where the pod may be placed. */
    static PodSpec admissionSpec(PodSpec pod) {
        PodSpecBuilder out = new PodSpecBuilder()
                .withContainers(reduce(pod.getContainers()))
                .withNodeSelector(pod.getNodeSelector() == null || pod.getNodeSelector().isEmpty() ? null
                        : pod.getNodeSelector())
                .withTolerations(pod.getTolerations() == null || pod.getTolerations().isEmpty() ? null
                        : pod.getTolerations())
                .withAffinity(pod.getAffinity())
                .withPriorityClassName(pod.getPriorityClassName())
                .withOverhead(pod.getOverhead() == null || pod.getOverhead().isEmpty() ? null : pod.getOverhead());
        if (pod.getInitContainers() != null && !pod.getInitContainers().isEmpty()) {
            out.withInitContainers(reduce(pod.getInitContainers()));
        }
        return out.build();
    }

    private static List<Container> reduce(List<Container> containers) {
        List<Container> out = new ArrayList<>();
        for (Container c : containers) {
            ContainerBuilder b = new ContainerBuilder().withName(c.getName()).withImage(c.getImage());
            ResourceRequirements r = c.getResources();
            if (r != null && (notEmpty(r.getRequests()) || notEmpty(r.getLimits()))) {
                Map<String, Quantity> requests = new LinkedHashMap<>();
                if (r.getLimits() != null) requests.putAll(r.getLimits());
                if (r.getRequests() != null) requests.putAll(r.getRequests());
                b.withNewResources().withRequests(requests)
                        .withLimits(notEmpty(r.getLimits()) ? r.getLimits() : null).endResources();
            }
            out.add(b.build());
        }
        return out;
    }

    private static boolean notEmpty(Map<?, ?> m) {
        return m != null && !m.isEmpty();
    }

    /** Digest of the Workload's spec, stamped on it: a job whose pod set or queue changed gets a new Workload. */
    static String hash(Map<String, Object> spec) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256")
                    .digest(JSON.writeValueAsString(spec).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 8);
        } catch (JsonProcessingException | NoSuchAlgorithmException e) {
            throw new IllegalStateException("pod set hash", e);
        }
    }

    /** Marks a Workload this operator deactivated for {@code runPolicy.suspend} (and reactivates on resume). */
    public static final String DEACTIVATED_BY_SUSPEND = "dgan.io/deactivated-by-suspend";

    /** {@code spec.active} (default true). */
    @SuppressWarnings("unchecked")
    public static boolean active(GenericKubernetesResource workload) {
        Object spec = workload.getAdditionalProperties().get("spec");
        return !(spec instanceof Map<?, ?> m) || !Boolean.FALSE.equals(((Map<String, Object>) m).get("active"));
    }

    public static boolean deactivatedBySuspend(GenericKubernetesResource workload) {
        Map<String, String> annotations = workload.getMetadata().getAnnotations();
        return annotations != null && "true".equals(annotations.get(DEACTIVATED_BY_SUSPEND));
    }

    /** The JSON merge patch that (de)activates a Workload for a suspension, marking it or clearing the mark. */
    public static String activePatch(boolean active) {
        return "{\"metadata\":{\"annotations\":{\"" + DEACTIVATED_BY_SUSPEND + "\":" + (active ? "null" : "\"true\"")
                + "}},\"spec\":{\"active\":" + active + "}}";
    }

    /** Whether an existing Workload still stands for the job as it is now (same pod set, queue and priority). */
    public static boolean matches(GenericKubernetesResource existing, GenericKubernetesResource desired) {
        return desired.getMetadata().getAnnotations().get(POD_SET_HASH).equals(
                existing.getMetadata().getAnnotations() == null ? null
                        : existing.getMetadata().getAnnotations().get(POD_SET_HASH));
    }
}
