package io.dgan.operator.reconcile;

import io.dgan.operator.crd.AppliedSpec;
import io.dgan.operator.crd.DecentralizedGANJobSpec;
import io.dgan.operator.resources.RestartHash;
import java.util.Objects;

/**
 * The class of a spec change, by the least disruptive action that applies it. Ordered: a change that touches
 * several classes gets the most disruptive one's action (a restart also applies a new worker count and graph).
 */
public enum SpecChange {
    /** Nothing the workers see changed (TTL, deadline, monitoring, labels). */
    IGNORE,
    /** Only the graph changed (type, gossip rounds, seed): new topology epoch, no restart. */
    REWIRE,
    /** The worker count changed: add or remove ranks, new epoch; the other ranks keep running. */
    SCALE,
    /** Image, template, model, dataset, optimizer, training or restartNonce changed: the workers restart from
     * checkpoints. */
    RESTART;

    public static SpecChange classify(AppliedSpec applied, DecentralizedGANJobSpec spec) {
        if (applied == null) return IGNORE;
        if (restartChanged(applied, spec)) return RESTART;
        if (!Objects.equals(applied.workers, spec.workers)) return SCALE;
        if (topologyChanged(applied, spec)) return REWIRE;
        return IGNORE;
    }

    /** Whether a field the workers restart for changed (template, model, dataset, optimizer, training, nonce). */
    public static boolean restartChanged(AppliedSpec applied, DecentralizedGANJobSpec spec) {
        return !Objects.equals(applied.restartHash, RestartHash.of(spec));
    }

    /** Whether the graph's own settings changed (type, gossip rounds, seed; the worker count aside). */
    public static boolean topologyChanged(AppliedSpec applied, DecentralizedGANJobSpec spec) {
        return !Objects.equals(applied.topologyType, spec.topology.type)
                || !Objects.equals(applied.gossipRounds, spec.topology.gossipRounds)
                || !Objects.equals(applied.topologySeed, spec.topology.seed);
    }

    public static AppliedSpec snapshot(DecentralizedGANJobSpec spec) {
        AppliedSpec a = new AppliedSpec();
        a.workers = spec.workers;
        a.topologyType = spec.topology.type;
        a.gossipRounds = spec.topology.gossipRounds;
        a.topologySeed = spec.topology.seed;
        a.restartHash = RestartHash.of(spec);
        a.checkpointsWhenDeleted = whenDeleted(spec);
        return a;
    }

    /** spec.training.checkpointVolume.whenDeleted, Delete when unset; null without a checkpoint volume. */
    public static String whenDeleted(DecentralizedGANJobSpec spec) {
        var volume = spec.training == null ? null : spec.training.checkpointVolume;
        if (volume == null) return null;
        return volume.retained() ? io.dgan.operator.crd.CheckpointVolumeSpec.RETAIN
                : io.dgan.operator.crd.CheckpointVolumeSpec.DELETE;
    }
}
