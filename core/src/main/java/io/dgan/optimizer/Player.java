package io.dgan.optimizer;

import java.nio.FloatBuffer;

/**
 * One player of the min-max game (e.g. the generator or the discriminator): its flat parameter vector and the flat
 * gradient vector the oracle writes. Both are live views (for DL4J, {@code params().data().asNioFloat()} and the
 * gradient view): the optimizer and gossip update them in place, never copying them.
 *
 * @param name   "G", "D", "u", "v", ... (used in metrics and logs)
 * @param params parameters, position 0, limit = length
 * @param grads  gradient of this player's own loss (descended), same length as params
 */
public record Player(String name, FloatBuffer params, FloatBuffer grads) {
    public Player {
        if (params.remaining() != grads.remaining()) {
            throw new IllegalArgumentException("player " + name + ": params has " + params.remaining()
                    + " floats but grads has " + grads.remaining());
        }
    }

    public int length() {
        return params.remaining();
    }
}
