package io.dgan.operator.reconcile;

import io.dgan.operator.crd.DecentralizedGANJobStatus;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import java.time.Instant;
import java.util.Optional;

/** metav1.Condition bookkeeping: lastTransitionTime moves only when the status flips. */
public final class JobConditions {
    public static final String CREATED = "Created";
    public static final String PEERS_READY = "PeersReady";
    public static final String RUNNING = "Running";
    public static final String DEGRADED = "Degraded";
    public static final String RESTARTING = "Restarting";
    public static final String SUSPENDED = "Suspended";
    /** Only on jobs labelled kueue.x-k8s.io/queue-name: whether Kueue admitted the job's Workload. */
    public static final String ADMITTED = "Admitted";
    /** Only on jobs whose gossip certificates cert-manager issues: whether every rank to start has its Secret. */
    public static final String CERTIFICATES_ISSUED = "CertificatesIssued";
    public static final String SUCCEEDED = "Succeeded";
    public static final String FAILED = "Failed";
    public static final String VALIDATION_FAILED = "ValidationFailed";

    private JobConditions() {
    }

    /** Sets a condition; returns true when its status flipped (or it is new with status True). */
    public static boolean set(DecentralizedGANJobStatus status, String type, boolean value, String reason,
                              String message, Long generation, Instant now) {
        String s = value ? "True" : "False";
        Optional<Condition> existing = find(status, type);
        if (existing.isEmpty()) {
            status.conditions.add(new ConditionBuilder().withType(type).withStatus(s).withReason(reason)
                    .withMessage(message == null ? "" : message).withObservedGeneration(generation)
                    .withLastTransitionTime(now.toString()).build());
            return value;
        }
        Condition c = existing.get();
        boolean flipped = !s.equals(c.getStatus());
        if (flipped) c.setLastTransitionTime(now.toString());
        c.setStatus(s);
        c.setReason(reason);
        c.setMessage(message == null ? "" : message);
        c.setObservedGeneration(generation);
        return flipped;
    }

    public static boolean isTrue(DecentralizedGANJobStatus status, String type) {
        return find(status, type).map(c -> "True".equals(c.getStatus())).orElse(false);
    }

    public static Optional<Condition> find(DecentralizedGANJobStatus status, String type) {
        return status.conditions.stream().filter(c -> type.equals(c.getType())).findFirst();
    }
}
