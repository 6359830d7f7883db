package io.dgan.training;

import io.dgan.optimizer.DecentralizedOptimizer;
import io.dgan.optimizer.Player;

import java.nio.FloatBuffer;
import java.util.List;

/**
 * One rank's training loop: {@code optimizer.step(k)} for k = first+1..total, stopping at every sync point
 * (progress records, evaluations, checkpoints, the last iteration) to let the runner observe. The thread runner's
 * sync point is a barrier whose action sees all ranks; the process runner's is a set of collectives. Either way the
 * loop, and so the parameters, are the same.
 */
public final class RankLoop {
    /** Called by the rank after iteration {@code k} when {@link #isSyncPoint} holds. */
    @FunctionalInterface
    public interface SyncPoint {
        void reached(long k) throws Exception;
    }

    private final TrainConfig config;
    private final GanOracle oracle;
    private final DecentralizedOptimizer optimizer;

    RankLoop(TrainConfig config, GanOracle oracle, DecentralizedOptimizer optimizer) {
        this.config = config;
        this.oracle = oracle;
        this.optimizer = optimizer;
    }

    public GanOracle oracle() {
        return oracle;
    }

    public DecentralizedOptimizer optimizer() {
        return optimizer;
    }

    /** This rank's parameter blocks (G, D): live views of the networks' memory. */
    public List<FloatBuffer> params() {
        return oracle.players().stream().map(Player::params).toList();
    }

    /** Whether the runner observes after iteration k: every logEvery, evaluation or checkpoint, and the last one. */
    public static boolean isSyncPoint(TrainConfig c, long k) {
        return k % c.logEvery() == 0 || k == c.iterations() || GanTrainer.due(k, c.evalEvery())
                || GanTrainer.due(k, c.checkpointEvery());
    }

    public void run(long first, SyncPoint sync) throws Exception {
        run(first, sync, null);
    }

    /**
     * With a live topology (null: fixed): before each iteration it may adopt a newer epoch, and a rank cut out of
     * the graph waits there until an epoch includes it, then goes on after the iteration its neighbours reached.
     */
    public void run(long first, SyncPoint sync, io.dgan.gossip.LiveTopology topology) throws Exception {
        long total = config.iterations();
        for (long k = first + 1; k <= total; k++) {
            if (topology != null) {
                topology.beforeIteration(k);
                if (topology.excluded()) {
                    k = topology.awaitInclusion().iteration();
                    continue;
                }
            }
            optimizer.step(k);
            if (isSyncPoint(config, k)) {
                sync.reached(k);
            }
        }
    }
}
