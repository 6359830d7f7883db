package io.dgan.operator.crd;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.ArrayList;
import java.util.List;

/**
 * A PersistentVolumeClaim per rank for checkpoints ({@code <job>-checkpoint-<rank>}, owned by the job): it outlives
 * the rank's pods (a replaced, restarted or resumed rank finds its checkpoints) and is deleted with the job.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class CheckpointVolumeSpec {
    @JsonPropertyDescription("StorageClass of the claims; empty: the cluster's default class. Each rank's claim is "
            + "mounted by one pod at a time, so ReadWriteOnce suffices; a class whose volumes follow the pod to "
            + "another node (network block or file storage) lets a rank resume after its node is lost.")
    public String storageClassName;

    @Required
    @JsonPropertyDescription("Size of each rank's claim, e.g. 1Gi (a checkpoint holds G, D and optimizer state).")
    @ValidationRule(value = "self.matches('^[0-9]+(\\\\.[0-9]+)?(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$')",
            message = "spec.training.checkpointVolume.size must be a quantity such as 1Gi or 500Mi")
    public String size;

    @Default("[\"ReadWriteOnce\"]")
    @JsonPropertyDescription("Access modes of each claim (ReadWriteOnce, ReadWriteOncePod, ReadWriteMany).")
    public List<String> accessModes = new ArrayList<>(List.of("ReadWriteOnce"));
}
