package io.dgan.model;

import io.dgan.optimizer.Player;

import java.util.List;

/**
 * A generator and a discriminator built from their architectures, plus what the training loop needs to drive them.
 *
 * @param kind           "mlp", "dcgan", ...
 * @param generator      maps noise (noiseDim) to a sample (sampleShape)
 * @param discriminator  maps a sample to one real-valued score (a logit or a critic value)
 * @param noiseDim       length of the generator's input
 * @param sampleShape    shape of one generated / real sample
 */
public record GanModel(String kind, ModelNetwork generator, ModelNetwork discriminator, int noiseDim, Shape sampleShape) {

    /** Layout hash of the pair; peers refuse to gossip with a worker whose hash differs. */
    public long layoutHash() {
        return Architecture.hash64(Long.toHexString(generator.layoutHash()) + "/" + Long.toHexString(discriminator.layoutHash()));
    }

    /** The two players in the fixed order [G, D], as live views. */
    public List<Player> players() {
        return List.of(generator.player("G"), discriminator.player("D"));
    }
}
