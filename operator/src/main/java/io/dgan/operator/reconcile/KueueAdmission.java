package io.dgan.operator.reconcile;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Decide: what a job's Kueue Workload says, read from its status the way Kueue's own job integrations read it.
 * <ul>
 *   <li>{@link State#EVICTED} — condition {@code Evicted=True} (preempted, deactivated, node failure): the pods
 *       must go; once none is left the admission is cleared ({@link #clearedAdmission}) so Kueue requeues it;</li>
 *   <li>{@link State#ADMITTED} — {@code Admitted=True}: quota is reserved for every pod of the pod set, which may
 *       all start now, placed by {@link #flavors} and {@link #podSetUpdates};</li>
 *   <li>{@link State#FINISHED} — {@code Finished=True}: the quota was given back;</li>
 *   <li>{@link State#QUEUED} — anything else: no pod may exist.</li>
 * </ul>
 * The status changes this operator writes itself ({@link #finished}, {@link #clearedAdmission}) are built here as
 * plain functions of the Workload, so their tests read like the YAML Kueue expects.
 */
public record KueueAdmission(State state, String reason, String message, String clusterQueue,
                             Map<String, String> flavors) {
    public enum State { QUEUED, ADMITTED, EVICTED, FINISHED }

    public static final String ADMITTED = "Admitted";
    public static final String QUOTA_RESERVED = "QuotaReserved";
    public static final String EVICTED = "Evicted";
    public static final String FINISHED = "Finished";
    public static final String REQUEUED = "Requeued";

    public static KueueAdmission of(GenericKubernetesResource workload) {
        Map<String, Object> status = map(workload.getAdditionalProperties().get("status"));
        Map<String, Object> evicted = condition(status, EVICTED);
        Map<String, Object> admission = map(status.get("admission"));
        String clusterQueue = admission.isEmpty() ? null : (String) admission.get("clusterQueue");
        Map<String, String> flavors = new LinkedHashMap<>();
        for (Object a : list(admission.get("podSetAssignments"))) {
            map(map(a).get("flavors")).forEach((resource, flavor) -> flavors.put(resource, String.valueOf(flavor)));
        }
        if (isTrue(condition(status, FINISHED))) {
            return new KueueAdmission(State.FINISHED, text(condition(status, FINISHED), "reason"),
                    text(condition(status, FINISHED), "message"), clusterQueue, flavors);
        }
        if (isTrue(evicted)) {
            return new KueueAdmission(State.EVICTED, text(evicted, "reason"), text(evicted, "message"), clusterQueue,
                    flavors);
        }
        Map<String, Object> admitted = condition(status, ADMITTED);
        if (isTrue(admitted)) {
            return new KueueAdmission(State.ADMITTED, "Admitted", "admitted by ClusterQueue " + clusterQueue
                    + (flavors.isEmpty() ? "" : ", flavors " + flavors), clusterQueue, flavors);
        }
        Map<String, Object> reserved = condition(status, QUOTA_RESERVED);
        String why = reserved.isEmpty() ? "waiting for Kueue to see the Workload" : text(reserved, "message");
        return new KueueAdmission(State.QUEUED, "QueuedForAdmission", why, clusterQueue, flavors);
    }

    /** Whether Kueue still holds quota for it (status.admission set): it must be cleared after an eviction. */
    public static boolean hasQuotaReservation(GenericKubernetesResource workload) {
        Map<String, Object> status = map(workload.getAdditionalProperties().get("status"));
        return !map(status.get("admission")).isEmpty() || isTrue(condition(status, QUOTA_RESERVED));
    }

    /** The distinct flavors admitted, in order: their node labels and tolerations place the pods. */
    public Set<String> flavorNames() {
        return new LinkedHashSet<>(flavors.values());
    }

    /**
     * The status after the job finished: {@code Finished=True} with the job's outcome as reason (Kueue then
     * releases the quota and the next Workload in the queue can be admitted). Null when already so.
     */
    public static GenericKubernetesResource finished(GenericKubernetesResource workload, boolean succeeded,
                                                     String message, Instant now) {
        GenericKubernetesResource out = Serialization.clone(workload);
        Map<String, Object> status = mutableStatus(out);
        if (isTrue(condition(status, FINISHED))) return null;
        setCondition(status, FINISHED, true, succeeded ? "Succeeded" : "Failed", message, generation(out), now);
        return out;
    }

    /**
     * The status after an eviction once the job has no pod left: {@code status.admission} removed,
     * {@code QuotaReserved=False} (Pending), {@code Admitted=False} (NoReservation), and {@code Requeued} True when
     * Kueue evicted it for preemption or failed nodes (what Kueue's own job reconciler writes). Null when there is
     * nothing to clear.
     */
    public static GenericKubernetesResource clearedAdmission(GenericKubernetesResource workload, Instant now) {
        if (!hasQuotaReservation(workload)) return null;
        GenericKubernetesResource out = Serialization.clone(workload);
        Map<String, Object> status = mutableStatus(out);
        Map<String, Object> evicted = condition(status, EVICTED);
        String reason = text(evicted, "reason");
        String message = text(evicted, "message");
        long generation = generation(out);
        boolean requeue = "Preempted".equals(reason) || "NodeFailures".equals(reason);
        setCondition(status, REQUEUED, requeue, reason.isEmpty() ? "Evicted" : reason, message, generation, now);
        setCondition(status, QUOTA_RESERVED, false, "Pending", message, generation, now);
        setCondition(status, ADMITTED, false, "NoReservation", "The workload has no reservation", generation, now);
        status.remove("admission");
        return out;
    }

    /** Node labels and tolerations of the admitted flavors, plus the admission checks' pod set updates. */
    public record Placement(Map<String, String> nodeSelector, List<Toleration> tolerations,
                            Map<String, String> labels, Map<String, String> annotations) {
        public static Placement none() {
            return new Placement(Map.of(), List.of(), Map.of(), Map.of());
        }
    }

    /** The placement of a resource flavor ({@code spec.nodeLabels}, {@code spec.tolerations}). */
    public static Placement flavorPlacement(List<GenericKubernetesResource> flavors, GenericKubernetesResource workload,
                                            String podSet) {
        Map<String, String> nodeSelector = new LinkedHashMap<>();
        List<Toleration> tolerations = new ArrayList<>();
        Map<String, String> labels = new LinkedHashMap<>();
        Map<String, String> annotations = new LinkedHashMap<>();
        for (GenericKubernetesResource flavor : flavors) {
            Map<String, Object> spec = map(flavor.getAdditionalProperties().get("spec"));
            map(spec.get("nodeLabels")).forEach((k, v) -> nodeSelector.put(k, String.valueOf(v)));
            for (Object t : list(spec.get("tolerations"))) tolerations.add(Serialization.unmarshal(
                    Serialization.asJson(t), Toleration.class));
        }
        Map<String, Object> status = map(workload.getAdditionalProperties().get("status"));
        for (Object check : list(status.get("admissionChecks"))) {
            for (Object u : list(map(check).get("podSetUpdates"))) {
                Map<String, Object> update = map(u);
                if (!Objects.equals(podSet, update.get("name"))) continue;
                map(update.get("nodeSelector")).forEach((k, v) -> nodeSelector.put(k, String.valueOf(v)));
                map(update.get("labels")).forEach((k, v) -> labels.put(k, String.valueOf(v)));
                map(update.get("annotations")).forEach((k, v) -> annotations.put(k, String.valueOf(v)));
                for (Object t : list(update.get("tolerations"))) tolerations.add(Serialization.unmarshal(
                        Serialization.asJson(t), Toleration.class));
            }
        }
        return new Placement(nodeSelector, tolerations, labels, annotations);
    }

    /** Applies a placement to a worker pod: the flavor's node selector and tolerations are added to the pod's. */
    public static void place(io.fabric8.kubernetes.api.model.Pod pod, Placement placement) {
        var spec = pod.getSpec();
        if (!placement.nodeSelector().isEmpty()) {
            Map<String, String> selector = new LinkedHashMap<>();
            if (spec.getNodeSelector() != null) selector.putAll(spec.getNodeSelector());
            selector.putAll(placement.nodeSelector());
            spec.setNodeSelector(selector);
        }
        if (!placement.tolerations().isEmpty()) {
            List<Toleration> tolerations = new ArrayList<>();
            if (spec.getTolerations() != null) tolerations.addAll(spec.getTolerations());
            for (Toleration t : placement.tolerations()) if (!tolerations.contains(t)) tolerations.add(t);
            spec.setTolerations(tolerations);
        }
        if (!placement.labels().isEmpty()) {
            Map<String, String> labels = new LinkedHashMap<>(placement.labels());
            labels.putAll(pod.getMetadata().getLabels()); // the operator's own labels win
            pod.getMetadata().setLabels(labels);
        }
        if (!placement.annotations().isEmpty()) {
            Map<String, String> annotations = new LinkedHashMap<>(placement.annotations());
            if (pod.getMetadata().getAnnotations() != null) annotations.putAll(pod.getMetadata().getAnnotations());
            pod.getMetadata().setAnnotations(annotations);
        }
    }

    // ---- reading and writing the untyped status ------------------------------------------------------------------

    @SuppressWarnings("unchecked")
    private static Map<String, Object> mutableStatus(GenericKubernetesResource workload) {
        Object status = workload.getAdditionalProperties().get("status");
        Map<String, Object> out = status instanceof Map<?, ?> m ? new LinkedHashMap<>((Map<String, Object>) m)
                : new LinkedHashMap<>();
        List<Object> conditions = new ArrayList<>();
        for (Object c : list(out.get("conditions"))) conditions.add(new LinkedHashMap<>(map(c)));
        out.put("conditions", conditions);
        workload.getAdditionalProperties().put("status", out);
        return out;
    }

    private static void setCondition(Map<String, Object> status, String type, boolean value, String reason,
                                     String message, long generation, Instant now) {
        @SuppressWarnings("unchecked")
        List<Object> conditions = (List<Object>) status.get("conditions");
        String s = value ? "True" : "False";
        Map<String, Object> existing = null;
        for (Object c : conditions) if (type.equals(map(c).get("type"))) existing = map(c);
        if (existing == null) {
            existing = new LinkedHashMap<>();
            existing.put("type", type);
            conditions.add(existing);
        }
        if (!s.equals(existing.get("status"))) existing.put("lastTransitionTime", now.toString());
        existing.put("status", s);
        existing.put("reason", reason);
        existing.put("message", message == null ? "" : message);
        existing.put("observedGeneration", generation);
    }

    private static long generation(GenericKubernetesResource workload) {
        Long g = workload.getMetadata().getGeneration();
        return g == null ? 0 : g;
    }

    private static Map<String, Object> condition(Map<String, Object> status, String type) {
        for (Object c : list(status.get("conditions"))) {
            if (type.equals(map(c).get("type"))) return map(c);
        }
        return Map.of();
    }

    private static boolean isTrue(Map<String, Object> condition) {
        return "True".equals(condition.get("status"));
    }

    private static String text(Map<String, Object> m, String key) {
        Object v = m.get(key);
        return v == null ? "" : v.toString();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object o) {
        return o instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
    }

    private static List<?> list(Object o) {
        return o instanceof List<?> l ? l : List.of();
    }
}
