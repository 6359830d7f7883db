package io.dgan.operator.crd;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Min;

/** How long to train and how often to checkpoint and evaluate (in iterations). */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class TrainingSpec {
    @Min(1)
    @Default("20000")
    public Long iterations = 20000L;

    // No schema default: a job stored before the field existed keeps its restart hash (RestartHash).
    @Min(0)
    @com.fasterxml.jackson.annotation.JsonPropertyDescription("Seed of the training: the players' initial parameters (the "
            + "same on every rank), the split of the data into shards, and each rank's minibatches and noise (streams "
            + "derived from the seed and the rank), as dgan train --seed. Left out: 0. The graph's own seed (random topologies) is spec.topology.seed.")
    public Long seed;

    @Min(1)
    @Default("1000")
    public Long checkpointEvery = 1000L;

    @Min(0)
    @Default("1000")
    public Long evalEvery = 1000L;

    /** Where checkpoints go inside the worker (env DGAN_CHECKPOINT_DIR): the rank's checkpoint claim when
     * checkpointVolume is set, a volume of the pod template mounted there, or else an emptyDir (lost with the pod). */
    @Default("/checkpoints")
    public String checkpointDir = "/checkpoints";

    @com.fasterxml.jackson.annotation.JsonPropertyDescription("A PersistentVolumeClaim per rank "
            + "(<job>-checkpoint-<rank>) mounted at checkpointDir, kept across pod replacement, suspend/resume and "
            + "restarts, deleted with the job. Absent: an emptyDir, so a restarted or replaced pod starts over.")
    public CheckpointVolumeSpec checkpointVolume;
}
