package io.dgan.operator.resources;

import io.dgan.operator.crd.DecentralizedGANJob;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;

/** Metadata of an owned object: name, namespace, the job's labels, and a controller owner reference so that
 * deleting the job garbage-collects it. */
public final class Owners {
    private Owners() {
    }

    public static OwnerReference controllerReference(DecentralizedGANJob job) {
        return new OwnerReferenceBuilder()
                .withApiVersion(job.getApiVersion())
                .withKind(job.getKind())
                .withName(job.getMetadata().getName())
                .withUid(job.getMetadata().getUid())
                .withController(true)
                .withBlockOwnerDeletion(true)
                .build();
    }

    public static ObjectMeta ownedMetadata(DecentralizedGANJob job, String name) {
        return new ObjectMetaBuilder()
                .withName(name)
                .withNamespace(job.getMetadata().getNamespace())
                .withLabels(Labels.forJob(job.getMetadata().getName()))
                .withOwnerReferences(controllerReference(job))
                .build();
    }
}
