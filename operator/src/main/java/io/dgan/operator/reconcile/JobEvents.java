package io.dgan.operator.reconcile;

import io.dgan.operator.crd.DecentralizedGANJob;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Instant;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A core/v1 Event on the job for every transition (what `kubectl describe` shows), mirrored to the log as one
 * key=value line. A failed event write is logged and never fails the reconcile. */
public final class JobEvents {
    private static final Logger LOG = LoggerFactory.getLogger(JobEvents.class);
    public static final String COMPONENT = "dgan-operator";
    private final KubernetesClient client;

    public JobEvents(KubernetesClient client) {
        this.client = client;
    }

    public void normal(DecentralizedGANJob job, String reason, String message) {
        emit(job, "Normal", reason, message);
    }

    public void warning(DecentralizedGANJob job, String reason, String message) {
        emit(job, "Warning", reason, message);
    }

    private void emit(DecentralizedGANJob job, String type, String reason, String message) {
        String ns = job.getMetadata().getNamespace();
        String name = job.getMetadata().getName();
        LOG.info("event job={}/{} type={} reason={} message=\"{}\"", ns, name, type, reason, message);
        String now = Instant.now().toString();
        try {
            client.v1().events().inNamespace(ns).resource(new EventBuilder()
                    .withNewMetadata().withNamespace(ns)
                        .withName(name + "." + UUID.randomUUID().toString().substring(0, 13)).endMetadata()
                    .withInvolvedObject(new ObjectReferenceBuilder().withApiVersion(job.getApiVersion())
                            .withKind(job.getKind()).withName(name).withNamespace(ns)
                            .withUid(job.getMetadata().getUid()).build())
                    .withType(type).withReason(reason).withMessage(message)
                    .withFirstTimestamp(now).withLastTimestamp(now).withCount(1)
                    .withNewSource().withComponent(COMPONENT).endSource()
                    .build()).create();
        } catch (KubernetesClientException e) {
            LOG.warn("event job={}/{} reason={} not recorded: {}", ns, name, reason, e.getMessage());
        }
    }
}
