package io.dgan.training;

import io.dgan.optimizer.Player;

import java.nio.FloatBuffer;
import java.util.List;
import java.util.Locale;

/**
 * A rank's training diverged: a loss or a gradient it computed is no longer finite. Raised before any of it is
 * gossiped, all-reduced or checkpointed, so the neighbours never receive it (they would refuse it and wait) and every
 * checkpoint on disk still holds finite values. Resuming with the same settings would diverge again at the same
 * iteration (a resume is exact), so the run stops: {@code dgan worker} exits with {@link #EXIT_CODE}, {@code dgan
 * train} too.
 */
public final class Diverged extends RuntimeException {
    /** The exit code of a worker, and of {@code dgan train}, whose run diverged. */
    public static final int EXIT_CODE = 3;

    private final int rank;
    private final long iteration;
    private final String what;
    /** Iteration of the newest checkpoint on disk, -1: none, {@code Long.MIN_VALUE}: not looked up. */
    private final long checkpoint;

    Diverged(int rank, long iteration, String what) {
        this(rank, iteration, what, Long.MIN_VALUE);
    }

    private Diverged(int rank, long iteration, String what, long checkpoint) {
        super(message(rank, iteration, what, checkpoint));
        this.rank = rank;
        this.iteration = iteration;
        this.what = what;
        this.checkpoint = checkpoint;
    }

    /** The same divergence, its message naming the newest checkpoint (-1: none was written). */
    Diverged withCheckpoint(long newest) {
        return checkpoint == newest ? this : new Diverged(rank, iteration, what, newest);
    }

    /** The same divergence, naming the newest checkpoint {@code rank} has in {@code dir}. */
    Diverged withCheckpointIn(java.nio.file.Path dir, int rank) {
        long[] its = Checkpoints.iterations(dir, rank);
        return withCheckpoint(its.length == 0 ? -1 : its[its.length - 1]);
    }

    public int rank() {
        return rank;
    }

    public long iteration() {
        return iteration;
    }

    private static String message(int rank, long iteration, String what, long checkpoint) {
        String line = String.format(Locale.ROOT, "rank %d diverged at iteration %,d: %s", rank, iteration, what);
        if (checkpoint >= 0) {
            // A resume may lower the learning rates (TrainConfig.resumeIdentity).
            return line + String.format(Locale.ROOT, "; the checkpoints up to iteration %,d hold finite values (the "
                    + "same settings would diverge again: resume from them with lower learning rates, or start anew "
                    + "with a gradient penalty or spectral norm)", checkpoint);
        }
        if (checkpoint == -1) {
            line += "; no checkpoint was written before it";
        }
        return line + " (the same settings would diverge again: lower the learning rates, or add a gradient "
                + "penalty or spectral norm, and start a new run)";
    }

    /**
     * Null when the losses and every player's gradient are finite, else a description of the first that is not
     * ("the discriminator loss is NaN", "the generator's gradient holds Infinity at index 12"). One pass over the
     * gradients, without a branch per element.
     */
    static String nonFinite(GanOracle.Losses losses, List<Player> players) {
        if (!Double.isFinite(losses.generator())) {
            return "the generator loss is " + losses.generator();
        }
        if (!Double.isFinite(losses.discriminator())) {
            return "the discriminator loss is " + losses.discriminator();
        }
        for (Player p : players) {
            int at = firstNonFinite(p.grads());
            if (at >= 0) {
                String who = switch (p.name()) {
                    case "G" -> "generator's";
                    case "D" -> "discriminator's";
                    default -> p.name() + "'s";
                };
                return "the " + who + " gradient holds " + p.grads().get(at) + " at index " + at;
            }
        }
        return null;
    }

    /**
     * Index of the first NaN or infinity in {@code b}[0, limit), or -1. Blocks of 4,096 elements are checked without
     * a branch per element (an element is not finite when its exponent bits are all set: adding one to the lowest
     * exponent bit then carries into the sign position); only a block that holds one is searched.
     */
    static int firstNonFinite(FloatBuffer b) {
        int n = b.limit();
        for (int start = 0; start < n; start += 4096) {
            int end = Math.min(n, start + 4096);
            int seen = 0;
            for (int i = start; i < end; i++) {
                seen |= (Float.floatToRawIntBits(b.get(i)) & 0x7f800000) + 0x00800000;
            }
            if (seen < 0) {
                for (int i = start; i < end; i++) {
                    if (!Float.isFinite(b.get(i))) {
                        return i;
                    }
                }
            }
        }
        return -1;
    }
}
