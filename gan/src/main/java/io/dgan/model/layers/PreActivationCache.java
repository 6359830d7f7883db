package io.dgan.model.layers;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Arrays;

/**
 * One layer's pre-activation z = W·x + b from its last training-mode forward pass, kept so that back-propagation does
 * not compute it a second time. DL4J's layers recompute z inside {@code backpropGradient} to apply the activation's
 * derivative; for a convolution or a transposed convolution that repeats the layer's whole forward pass (about a
 * fifth of a DCGAN training step on the CPU).
 *
 * <p>Valid for exactly one backward pass, and only for the input array the forward pass saw: the activation's
 * derivative is computed in place in z, and a forward pass on another input (an evaluation pass) makes the copy
 * stale. The caller's flow, as in every training step here: forward on x, then backward once, with the parameters
 * unchanged between the two. When the input differs, {@link #take} returns null and the layer recomputes z.
 *
 * <p>The copy lives in one buffer outside any workspace, allocated once per shape and reused.
 */
final class PreActivationCache {
    private INDArray buffer;
    /** The input the cached z belongs to (identity), or null when nothing valid is cached. */
    private INDArray owner;

    /** Copies {@code z} (computed from {@code input}) before the forward pass applies the activation to it in place. */
    void keep(INDArray input, INDArray z) {
        if (buffer == null || buffer.dataType() != z.dataType() || !Arrays.equals(buffer.shape(), z.shape())) {
            buffer = Nd4j.createUninitializedDetached(z.dataType(), z.shape());
        }
        buffer.assign(z);
        owner = input;
    }

    /** The cached z if it was computed from this very {@code input}; the cache is empty afterwards. */
    INDArray take(INDArray input) {
        if (owner == null || owner != input) {
            owner = null;
            return null;
        }
        owner = null;
        ForwardCaching.HITS.increment();
        return buffer;
    }

    /** Forgets the cached value (a forward pass in inference mode, whose z is not kept). */
    void clear() {
        owner = null;
    }
}
