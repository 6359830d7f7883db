package io.dgan.model.layers;

import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;

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
 * <p>The copy lives in a buffer outside any workspace, allocated once per batch shape and reused.
 */
final class PreActivationCache {
    /**
     * Buffers, one per data type and shape: a layer sees a few batch shapes in turn (a discriminator: the fakes alone, then
     * real and fake together), and each keeps its buffer instead of reallocating on every switch.
     */
    private static final int MAX_SHAPES = 4;
    private final List<INDArray> buffers = new ArrayList<>(MAX_SHAPES);
    /** The buffer of the last kept z. */
    private INDArray buffer;
    /** The input the cached z belongs to (identity), or null when nothing valid is cached. */
    private INDArray owner;

    /**
     * A layer's pre-output with this cache in front of it: in a backward pass, the cached z if it belongs to the
     * layer's current input; otherwise DL4J's own computation ({@code compute}), whose z is kept after a training
     * forward pass. {@code zAsSecond}: a hit returns (z, z) (a dense layer's z and its pre-norm value, the same
     * array without layer norm), else (z, null) (a convolution's z without its im2col array, which DL4J then
     * recomputes only on its non-oneDNN path).
     */
    Pair<INDArray, INDArray> preOutput(INDArray input, boolean training, boolean forBackprop, boolean zAsSecond,
                                       Supplier<Pair<INDArray, INDArray>> compute) {
        if (forBackprop) {
            INDArray z = take(input);
            if (z != null) {
                return new Pair<>(z, zAsSecond ? z : null);
            }
        }
        Pair<INDArray, INDArray> out = compute.get();
        if (training && !forBackprop) {
            keep(input, out.getFirst());
        } else if (!training) {
            clear();
        }
        return out;
    }

    /** Copies {@code z} (computed from {@code input}) before the forward pass applies the activation to it in place. */
    private void keep(INDArray input, INDArray z) {
        buffer = null;
        for (INDArray b : buffers) { // at most MAX_SHAPES; compared in place, nothing allocated per pass
            if (b.dataType() == z.dataType() && Arrays.equals(b.shape(), z.shape())) {
                buffer = b;
                break;
            }
        }
        if (buffer == null) {
            if (buffers.size() == MAX_SHAPES) {
                buffers.remove(0);
            }
            buffer = Nd4j.createUninitializedDetached(z.dataType(), z.shape());
            buffers.add(buffer);
        }
        buffer.assign(z);
        owner = input;
    }

    /** Number of buffers held (one per batch shape seen, at most {@value #MAX_SHAPES}). */
    int buffers() {
        return buffers.size();
    }

    /** The cached z if it was computed from this very {@code input}; the cache is empty afterwards. */
    private INDArray take(INDArray input) {
        if (owner == null || owner != input) {
            owner = null;
            return null;
        }
        owner = null;
        ForwardCaching.HITS.increment();
        return buffer;
    }

    /** Forgets the cached value (a forward pass in inference mode, whose z is not kept). */
    private void clear() {
        owner = null;
    }
}
