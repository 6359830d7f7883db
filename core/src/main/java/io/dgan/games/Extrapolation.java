package io.dgan.games;

import io.dgan.optimizer.DecentralizedOptimizer;
import io.dgan.optimizer.OptimizerConfig;
import io.dgan.optimizer.Player;

import java.nio.FloatBuffer;
import java.util.List;

/**
 * The point a run is measured at: algorithm.md's output z̄, the network average of the points where the next
 * gradients are taken. After iteration k a worker holds x_k and its last direction d_k; its next evaluation point
 * is z_{k+1} = gossip(x_k) − η d_k, and since every W is doubly stochastic the average over workers is
 * z̄_{k+1} = x̄_k − η d̄_k = average of (x_i − η d_i), computable without a gossip round. For an algorithm without a
 * previous direction (gda) z = x.
 */
final class Extrapolation {
    private Extrapolation() {
    }

    /** out_p = x_p − η_p d_p for every player p of {@code opt} (out_p = x_p without a previous direction). */
    static void fill(DecentralizedOptimizer opt, OptimizerConfig config, List<FloatBuffer> out) {
        List<Player> players = opt.players();
        for (int p = 0; p < players.size(); p++) {
            Player player = players.get(p);
            FloatBuffer x = player.params();
            FloatBuffer z = out.get(p);
            FloatBuffer d = opt.stateBuffers().get(player.name() + ".previousDirection");
            float lr = (float) config.settingsFor(player.name()).learningRate();
            int n = x.limit();
            for (int i = 0; i < n; i++) {
                z.put(i, d == null ? x.get(i) : x.get(i) - lr * d.get(i));
            }
        }
    }

    /** Buffers shaped like {@code like} (allocated once per run). */
    static List<FloatBuffer> buffers(List<FloatBuffer> like) {
        return like.stream().map(b -> FloatBuffer.allocate(b.limit())).toList();
    }
}
