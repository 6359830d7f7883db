package io.dgan.operator.crd;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Required;
import java.util.ArrayList;
import java.util.List;

/**
 * A PersistentVolumeClaim per rank for checkpoints ({@code <job>-checkpoint-<rank>}): it outlives the rank's pods (a
 * replaced, restarted or resumed rank finds its checkpoints); owned by the job and deleted with it, or, with
 * {@code whenDeleted: Retain}, left for a later job of the same name (as a StatefulSet's claim retention policy).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class CheckpointVolumeSpec {
    /** A storage quantity: digits, an optional fraction, an optional binary or decimal suffix (1Gi, 500Mi, 2G). */
    public static final String QUANTITY = "^[0-9]+(\\.[0-9]+)?(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$";
    public static final java.util.List<String> ACCESS_MODES = java.util.List.of("ReadWriteOnce", "ReadWriteOncePod",
            "ReadWriteMany");

    @JsonPropertyDescription("StorageClass of the claims; empty: the cluster's default class. Each rank's claim is "
            + "mounted by one pod at a time, so ReadWriteOnce suffices; a class whose volumes follow the pod to "
            + "another node (network block or file storage) lets a rank resume after its node is lost.")
    public String storageClassName;

    @Required
    @JsonPropertyDescription("Size of each rank's claim, e.g. 1Gi (a checkpoint holds G, D and optimizer state).")
    @io.fabric8.generator.annotation.Pattern(CheckpointVolumeSpec.QUANTITY)
    @io.fabric8.generator.annotation.Size(min = 1, max = 32)
    public String size;

    @Default("[\"ReadWriteOnce\"]")
    @JsonPropertyDescription("Access modes of each claim (ReadWriteOnce, ReadWriteOncePod, ReadWriteMany).")
    public List<String> accessModes = new ArrayList<>(List.of("ReadWriteOnce"));

    public static final String DELETE = "Delete";
    public static final String RETAIN = "Retain";

    @Default("Delete")
    @JsonPropertyDescription("What becomes of the claims when the job is deleted (also by "
            + "runPolicy.ttlSecondsAfterFinished): Delete (owned by the job, the garbage collector deletes them) or "
            + "Retain (not owned: they stay, and a new job of the same name in the namespace mounts them and resumes "
            + "from their checkpoints; delete them with kubectl delete pvc -l dgan.io/job=<job>). A change applies to "
            + "the existing claims, also on a finished job, and restarts no worker.")
    @io.fabric8.generator.annotation.ValidationRule(value = "self in ['Delete', 'Retain']",
            message = "spec.training.checkpointVolume.whenDeleted must be Delete or Retain")
    public String whenDeleted;

    /** Whether the claims stay when the job is deleted (unset: Delete). */
    public boolean retained() {
        return RETAIN.equals(whenDeleted);
    }
}
