package io.dgan.model;

import org.deeplearning4j.nn.api.Layer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Spectral normalisation (Miyato et al. 2018) of every weight matrix of a network, done in place on the network's
 * own flat vectors.
 *
 * <p>Each weight W (a dense layer's nIn×nOut, a convolution's out×in×kh×kw read as out × in·kh·kw; any reshape of the
 * contiguous storage has the same singular values) has a persistent vector u. One step per training iteration:
 * <pre>
 *   v = Wᵀu / ‖Wᵀu‖,   u = W v / ‖W v‖,   σ = uᵀ W v   (= ‖W v‖)
 * </pre>
 * The flat parameter vector that the optimizer and gossip see holds the raw W. For the passes of one training step
 * {@link #normalize(boolean)} divides every W by its σ in place, so the network computes with Ŵ = W/σ;
 * {@link #finish(boolean)} then turns the gradient G = ∂L/∂Ŵ that back-propagation left in the gradient vector into
 * the gradient with respect to the raw W, in place, and multiplies W back by σ. With u, v held constant (as in the
 * paper's implementation), σ = uᵀWv has ∂σ/∂W = u vᵀ, so
 * <pre>
 *   ∂L/∂W = (G − ⟨G, Ŵ⟩ u vᵀ) / σ
 * </pre>
 * (the paper's eq. 9 with λ = ⟨G, Ŵ⟩). No parameter-sized temporary is allocated: the two in-place passes over W
 * and one over G are plain loops over the live views, with double accumulators.
 *
 * <p>Rounding: W is stored as w' = fl(w/σ) and restored as fl(w'·σ), which equals w or one of its two float
 * neighbours (relative change ≤ 2⁻²³ ≈ 1.2e-7 per step, in float32). Against an Adam step of ~lr = 2e-4 in
 * absolute size this is 3–4 orders of magnitude smaller, and it is deterministic, so {@code --resume} stays
 * bit-exact (u is saved in the checkpoint). A copy of W would avoid it at the price of a parameter-sized buffer.
 *
 * <p>Gossip averages the raw W (the players' flat vectors); u stays local to each worker and is not exchanged. After
 * averaging, a worker's W is close to its own pre-gossip W (the workers are near consensus), so its u remains a good
 * start for the next power-iteration step.
 */
public final class SpectralNorm {
    /** One weight matrix: {@code rows × cols} contiguous floats/doubles from {@code offset} in the flat vectors. */
    private record Weight(String name, int offset, int rows, int cols, int uOffset) {
    }

    private final Flat params;
    private final Flat grads;
    private final List<Weight> weights = new ArrayList<>();
    /** All u vectors, concatenated; this is the persistent state (checkpointed). */
    private final float[] u;
    private final double[][] v;
    private final double[] sigma;
    private boolean normalized;

    SpectralNorm(ModelNetwork net, long seed) {
        INDArray flat = net.params();
        long base = flat.offset();
        int uLength = 0;
        for (Layer layer : net.layers()) {
            INDArray w = layer.paramTable().get("W");
            if (w == null) {
                continue;
            }
            if (w.elementWiseStride() != 1 || !(w.rank() == 2 || w.rank() == 4)) {
                throw new IllegalStateException("spectral norm: unexpected weight layout " + w.shapeInfoToString());
            }
            int rows;
            if (w.rank() == 4) {
                rows = (int) w.size(0);               // conv [out, in, kh, kw], 'c' order
            } else {
                rows = (int) (w.ordering() == 'f' ? w.size(1) : w.size(0)); // dense [nIn, nOut], 'f' order
            }
            int cols = (int) (w.length() / rows);
            weights.add(new Weight(layer.conf().getLayer().getLayerName(), Math.toIntExact(w.offset() - base),
                    rows, cols, uLength));
            uLength += rows;
        }
        if (weights.isEmpty()) {
            throw new IllegalArgumentException("spectral norm: " + net.architecture().name() + " has no weights");
        }
        this.params = Flat.of(net.params());
        this.grads = Flat.of(net.gradients());
        this.u = new float[uLength];
        this.v = new double[weights.size()][];
        this.sigma = new double[weights.size()];
        SplittableRandom rng = new SplittableRandom(seed ^ 0x5EC7A1L);
        for (int k = 0; k < weights.size(); k++) {
            Weight w = weights.get(k);
            v[k] = new double[w.cols()];
            double norm = 0;
            for (int i = 0; i < w.rows(); i++) {
                double g = io.dgan.random.PortableGaussian.next(rng);
                u[w.uOffset() + i] = (float) g;
                norm += g * g;
            }
            norm = Math.sqrt(norm);
            for (int i = 0; i < w.rows(); i++) {
                u[w.uOffset() + i] = (float) (u[w.uOffset() + i] / norm);
            }
        }
    }

    /** Number of normalised weight matrices. */
    public int count() {
        return weights.size();
    }

    /** Layer name of weight k; its u occupies {@link #rows(int)} entries of {@link #state()} after those of 0..k−1. */
    public String name(int k) {
        return weights.get(k).name();
    }

    /** Rows of weight k (output units or channels): the length of its u. */
    public int rows(int k) {
        return weights.get(k).rows();
    }

    /** σ of weight k as last computed by {@link #normalize(boolean)}. */
    public double sigma(int k) {
        return sigma[k];
    }

    /** The persistent state (all u vectors), a live view for checkpoints. */
    public FloatBuffer state() {
        return FloatBuffer.wrap(u);
    }

    /**
     * Computes σ for every weight (after one power-iteration step on u when {@code iterate}) and divides the weights
     * by it in place. Must be followed by {@link #finish(boolean)} before anyone else reads the parameters.
     */
    public void normalize(boolean iterate) {
        if (normalized) {
            throw new IllegalStateException("spectral norm: normalize() twice without finish()");
        }
        for (int k = 0; k < weights.size(); k++) {
            Weight w = weights.get(k);
            double[] vk = v[k];
            int rows = w.rows();
            int cols = w.cols();
            int off = w.offset();
            // v = Wᵀu / ‖Wᵀu‖
            java.util.Arrays.fill(vk, 0);
            for (int i = 0; i < rows; i++) {
                double ui = u[w.uOffset() + i];
                int row = off + i * cols;
                for (int j = 0; j < cols; j++) {
                    vk[j] += params.get(row + j) * ui;
                }
            }
            scale(vk, 1 / Math.max(norm(vk), 1e-30));
            // W v, and σ = ‖W v‖ when u moves to W v/‖W v‖, else σ = uᵀ W v
            double[] wv = new double[rows];
            for (int i = 0; i < rows; i++) {
                int row = off + i * cols;
                double s = 0;
                for (int j = 0; j < cols; j++) {
                    s += params.get(row + j) * vk[j];
                }
                wv[i] = s;
            }
            double s;
            if (iterate) {
                s = norm(wv);
                for (int i = 0; i < rows; i++) {
                    u[w.uOffset() + i] = (float) (wv[i] / Math.max(s, 1e-30));
                }
            } else {
                s = 0;
                for (int i = 0; i < rows; i++) {
                    s += u[w.uOffset() + i] * wv[i];
                }
            }
            sigma[k] = s;
            int end = off + rows * cols;
            for (int i = off; i < end; i++) {
                params.set(i, params.get(i) / s);
            }
        }
        normalized = true;
    }

    /**
     * Undoes {@link #normalize(boolean)}: when {@code transformGradient}, first turns the gradient vector's
     * ∂L/∂Ŵ into ∂L/∂W (see the class comment), then multiplies each W back by its σ.
     */
    public void finish(boolean transformGradient) {
        if (!normalized) {
            throw new IllegalStateException("spectral norm: finish() without normalize()");
        }
        for (int k = 0; k < weights.size(); k++) {
            Weight w = weights.get(k);
            int rows = w.rows();
            int cols = w.cols();
            int off = w.offset();
            int end = off + rows * cols;
            double s = sigma[k];
            if (transformGradient) {
                double lambda = 0; // ⟨G, Ŵ⟩; W holds Ŵ right now
                for (int i = off; i < end; i++) {
                    lambda += grads.get(i) * params.get(i);
                }
                double[] vk = v[k];
                for (int i = 0; i < rows; i++) {
                    double lu = lambda * u[w.uOffset() + i];
                    int row = off + i * cols;
                    for (int j = 0; j < cols; j++) {
                        grads.set(row + j, (grads.get(row + j) - lu * vk[j]) / s);
                    }
                }
            }
            for (int i = off; i < end; i++) {
                params.set(i, params.get(i) * s);
            }
        }
        normalized = false;
    }

    private static double norm(double[] x) {
        double s = 0;
        for (double d : x) {
            s += d * d;
        }
        return Math.sqrt(s);
    }

    private static void scale(double[] x, double f) {
        for (int i = 0; i < x.length; i++) {
            x[i] *= f;
        }
    }

    /** Element access to a contiguous float or double INDArray vector over its native memory. */
    private interface Flat {
        double get(int i);

        void set(int i, double value);

        static Flat of(INDArray a) {
            if (a.dataType() == DataType.FLOAT) {
                FloatBuffer b = ModelNetwork.floatView(a);
                return new Flat() {
                    public double get(int i) {
                        return b.get(i);
                    }

                    public void set(int i, double value) {
                        b.put(i, (float) value);
                    }
                };
            }
            if (a.dataType() == DataType.DOUBLE && a.elementWiseStride() == 1) {
                DoubleBuffer all = a.data().asNio().order(ByteOrder.nativeOrder()).asDoubleBuffer();
                all.position(Math.toIntExact(a.offset()));
                all.limit(Math.toIntExact(a.offset() + a.length()));
                DoubleBuffer b = all.slice();
                return new Flat() {
                    public double get(int i) {
                        return b.get(i);
                    }

                    public void set(int i, double value) {
                        b.put(i, value);
                    }
                };
            }
            throw new IllegalArgumentException("spectral norm needs a contiguous float or double vector, got "
                    + a.shapeInfoToString());
        }
    }
}
