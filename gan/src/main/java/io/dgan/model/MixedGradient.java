package io.dgan.model;

import org.deeplearning4j.nn.api.Layer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The exact mixed second derivative that input-gradient penalties need, for a critic built from the layers the
 * critics here use (dense, 2-D convolution, ReLU / LeakyReLU / tanh / identity, 2×2 mean pooling, global mean
 * pooling, residual additions, reshapes). DL4J has no double back-propagation, so this class runs its own passes over
 * the critic's weights, read in place from the network's flat parameter vector:
 * <ol>
 *   <li>forward at x (keeping every node's value), then backward from dΣD/dD = 1: δ at every node and
 *       g = ∇ₓΣ_i D(x_i), whose rows are the per-sample input gradients ({@link #inputGradients});</li>
 *   <li>{@link #addMixed(INDArray)}: for directions v_i (held constant), ∇θ Σ_i v_i·∇ₓD(x_i) = R_v{∇θ D}, the
 *       derivative of the parameter gradient along v. Forward-mode through the network gives the tangents ẋ
 *       (ẋ₀ = v; a linear map applies its weights without bias; an activation multiplies by σ'(z)); a reverse
 *       pass of the R-operator gives δ̇ (δ̇ at the output is 0; through an activation
 *       δ̇_z = σ''(z)·ż·δ_a + σ'(z)·δ̇_a; through a linear map its transpose). Each dense or convolution layer with
 *       input a and output pre-activation z then receives
 *       <pre>  ∇W += ẋ_aᵀ δ_z + aᵀ δ̇_z,   ∇b += Σ δ̇_z</pre>
 *       added into the network's gradient view in place (the flat-vector contract is kept: nothing is copied).</li>
 * </ol>
 * For a piecewise-linear critic (ReLU, LeakyReLU; every critic the model zoo ships) σ'' = 0, δ̇ vanishes, the
 * reverse R-pass is skipped and the bias gradients are exactly zero: the result is R_v{∇θD} with the activation
 * pattern at x held fixed, which is what double back-propagation computes (there, the derivative of a ReLU's mask is
 * zero wherever it exists). Unlike a finite difference along v, no unit can switch between two evaluation points.
 *
 * <p>Cost for a batch of B: one forward, one backward and one tangent pass (each convolution layer runs one conv2d
 * and two conv2d_bp calls); memory: the node values, input gradients and tangents of one batch.
 */
public final class MixedGradient {
    private enum Kind { INPUT, DENSE, CONV, ACT, POOL2, GLOBAL_MEAN, FLATTEN, TO_IMAGE, ADD }

    /** One node of the critic's computation; {@code in}/{@code in2} are indices of earlier nodes. */
    private static final class Node {
        final Kind kind;
        final int in;
        int in2 = -1;
        INDArray w;
        INDArray b;
        INDArray gw;
        INDArray gb;
        int kernel;
        int stride;
        int pad;
        String act;
        double alpha;
        long[] image;
        /** conv2d_bp's weight-gradient output, reused across calls (one layer's size). */
        INDArray scratch;

        Node(Kind kind, int in) {
            this.kind = kind;
            this.in = in;
        }
    }

    /** Node.pad value for libnd4j's 'Same' mode (asymmetric padding, as DL4J's ConvolutionMode.Same). */
    private static final int SAME = -1;

    private final ModelNetwork net;
    private final List<Node> nodes = new ArrayList<>();
    private final boolean piecewiseLinear;
    private INDArray[] value;
    private INDArray[] delta;
    private long[] inputShape;

    /** Builds the passes from the network's architecture; throws IllegalArgumentException for layers it lacks. */
    public MixedGradient(ModelNetwork net) {
        this.net = net;
        Architecture arch = net.architecture();
        Map<String, Layer> byName = new HashMap<>();
        Layer[] layers = net.layers();
        for (Layer l : layers) {
            byName.put(l.conf().getLayer().getLayerName(), l);
        }
        nodes.add(new Node(Kind.INPUT, -1));
        int cur = 0;
        boolean image = arch.input().isImage();
        int height = image ? arch.input().height() : 0;
        int width = image ? arch.input().width() : 0;
        int layerIndex = 0; // layer-stack networks: DL4J layer index
        int specIndex = 0;  // graphs: vertex "L<i>"
        for (LayerSpec spec : arch.layers()) {
            String name = "L" + specIndex++;
            if (spec instanceof LayerSpec.Dense d) {
                if (image) {
                    cur = add(new Node(Kind.FLATTEN, cur));
                    image = false;
                }
                Layer l = arch.isGraph() ? byName.get(name) : layers[layerIndex++];
                cur = linear(Kind.DENSE, cur, l, 0, 1, 0);
                cur = activation(cur, d.activation());
            } else if (spec instanceof LayerSpec.Conv c) {
                Layer l = arch.isGraph() ? byName.get(name) : layers[layerIndex++];
                int pad = Architecture.samePadding(c.kernel(), c.stride(), height, width, Architecture.Padding.EXPLICIT);
                if (pad < 0) {
                    pad = SAME; // libnd4j's 'Same' mode pads like DL4J's (the extra row/column at the bottom/right)
                }
                cur = linear(Kind.CONV, cur, l, c.kernel(), c.stride(), pad);
                cur = activation(cur, c.activation());
                height = (height + c.stride() - 1) / c.stride();
                width = (width + c.stride() - 1) / c.stride();
            } else if (spec instanceof LayerSpec.ToImage t) {
                Node n = new Node(Kind.TO_IMAGE, cur);
                n.image = new long[]{t.channels(), t.height(), t.width()};
                cur = add(n);
                image = true;
                height = t.height();
                width = t.width();
            } else if (spec instanceof LayerSpec.Activation a) {
                cur = activation(cur, a.activation());
            } else if (spec instanceof LayerSpec.GlobalMeanPool) {
                cur = add(new Node(Kind.GLOBAL_MEAN, cur));
                image = false;
            } else if (spec instanceof LayerSpec.ResBlock r && !r.batchNorm() && !r.kind().equals("up")) {
                cur = resBlock(name, r, cur, byName);
                height = 0;
                width = 0;
            } else {
                throw new IllegalArgumentException("exact input-gradient penalty: critic " + arch.name()
                        + " has a layer it does not support: " + spec.describe());
            }
        }
        this.piecewiseLinear = nodes.stream().noneMatch(n -> n.kind == Kind.ACT && n.act.equals("tanh"));
    }

    private int add(Node n) {
        nodes.add(n);
        return nodes.size() - 1;
    }

    private int linear(Kind kind, int in, Layer layer, int kernel, int stride, int pad) {
        if (layer == null) {
            throw new IllegalStateException("exact input-gradient penalty: layer missing in " + net.architecture().name());
        }
        Node n = new Node(kind, in);
        n.w = layer.paramTable().get("W");
        n.b = layer.paramTable().get("b");
        Map<String, INDArray> grads = layer.conf().getLayer().initializer()
                .getGradientsFromFlattened(layer.conf(), layer.getGradientsViewArray());
        n.gw = grads.get("W");
        n.gb = grads.get("b");
        if (n.w == null || n.b == null || n.gw == null || n.gb == null) {
            throw new IllegalStateException("exact input-gradient penalty: layer " + layer.conf().getLayer().getLayerName()
                    + " lacks W or b");
        }
        n.kernel = kernel;
        n.stride = stride;
        n.pad = pad;
        return add(n);
    }

    private int activation(int in, LayerSpec.Act act) {
        if (act.name().equals("identity")) {
            return in;
        }
        if (!List.of("relu", "leakyrelu", "tanh").contains(act.name())) {
            throw new IllegalArgumentException("exact input-gradient penalty: activation " + act.name() + " unsupported");
        }
        Node n = new Node(Kind.ACT, in);
        n.act = act.name();
        n.alpha = act.name().equals("leakyrelu") ? act.alpha() : 0;
        return add(n);
    }

    private int conv(String name, int in, Map<String, Layer> byName, int kernel, boolean relu) {
        int c = linear(Kind.CONV, in, byName.get(name), kernel, 1, (kernel - 1) / 2);
        return relu ? activation(c, LayerSpec.Act.RELU) : c;
    }

    /** The critic blocks of GraphNetworks.resBlock, node for node. */
    private int resBlock(String name, LayerSpec.ResBlock r, int in, Map<String, Layer> byName) {
        String p = name + "_";
        int main;
        int shortcut;
        if (r.kind().equals("first")) {
            main = conv(p + "conv2", conv(p + "conv1", in, byName, 3, true), byName, 3, false);
            main = add(new Node(Kind.POOL2, main));
            shortcut = conv(p + "sconv", add(new Node(Kind.POOL2, in)), byName, 1, false);
        } else {
            int x = activation(in, LayerSpec.Act.RELU);
            main = conv(p + "conv2", conv(p + "conv1", x, byName, 3, true), byName, 3, false);
            if (r.kind().equals("down")) {
                main = add(new Node(Kind.POOL2, main));
                shortcut = conv(p + "sconv", add(new Node(Kind.POOL2, in)), byName, 1, false);
            } else if (byName.containsKey(p + "sconv")) {
                shortcut = conv(p + "sconv", in, byName, 1, false);
            } else {
                shortcut = in;
            }
        }
        Node sum = new Node(Kind.ADD, main);
        sum.in2 = shortcut;
        return add(sum);
    }

    /**
     * Forward and backward at x: returns the input gradients ∇ₓD(x_i) as the rows of a [B, n] array and keeps
     * what {@link #addMixed(INDArray)} needs. Reads the weights as they are now (spectrally normalised, if the caller
     * normalised them).
     */
    public INDArray inputGradients(INDArray x) {
        int b = (int) x.size(0);
        inputShape = x.shape();
        int count = nodes.size();
        value = new INDArray[count];
        delta = new INDArray[count];
        value[0] = x.castTo(net.dataType()).dup('c').reshape(net.architecture().input().batchShape(b));
        for (int i = 1; i < count; i++) {
            value[i] = forward(nodes.get(i), value[nodes.get(i).in], i);
        }
        delta[count - 1] = Nd4j.ones(net.dataType(), b, 1);
        for (int i = count - 1; i > 0; i--) {
            Node n = nodes.get(i);
            if (delta[i] == null) {
                continue;
            }
            accumulate(delta, n.in, backward(n, i, delta[i]));
            if (n.kind == Kind.ADD) {
                accumulate(delta, n.in2, delta[i]);
            }
        }
        return delta[0].dup('c').reshape(b, -1);
    }

    /** D(x_i) of the last {@link #inputGradients} call, [B, 1]. */
    public INDArray scores() {
        return value[value.length - 1];
    }

    /**
     * Adds ∇θ Σ_i v_i·∇ₓD(x_i) (v held constant) into the network's gradient view, at the x of the last
     * {@link #inputGradients} call; v is [B, n] like its result. Frees the kept arrays.
     */
    public void addMixed(INDArray v) {
        if (value == null) {
            throw new IllegalStateException("addMixed before inputGradients");
        }
        int count = nodes.size();
        INDArray[] tangent = new INDArray[count];
        tangent[0] = v.castTo(net.dataType()).dup('c').reshape(value[0].shape());
        for (int i = 1; i < count; i++) {
            Node n = nodes.get(i);
            INDArray t = tangent[n.in];
            tangent[i] = switch (n.kind) {
                case DENSE -> t.mmul(n.w);
                case CONV -> conv2d(t, n, false);
                case ACT -> t.mul(slope(n, value[n.in]));
                case ADD -> t.add(tangent[n.in2]);
                default -> forward(n, t, i);
            };
            if (n.kind == Kind.DENSE || n.kind == Kind.CONV) {
                weightGradient(n, t, delta[i]); // ∇W += ẋ_aᵀ δ_z
            }
        }
        if (!piecewiseLinear) {
            INDArray[] rdelta = new INDArray[count];
            for (int i = count - 1; i > 0; i--) {
                Node n = nodes.get(i);
                INDArray rd = rdelta[i];
                if (n.kind == Kind.ACT) {
                    if (n.act.equals("tanh") && delta[i] != null) {
                        INDArray a = value[i];
                        // σ'' = −2a(1 − a²) for a = tanh(z)
                        INDArray term = a.mul(a).rsubi(1).muli(a).muli(-2).muli(tangent[n.in]).muli(delta[i]);
                        rd = rd == null ? term : term.addi(rd.mul(slope(n, value[n.in])));
                    } else if (rd != null) {
                        rd = rd.mul(slope(n, value[n.in]));
                    }
                    accumulate(rdelta, n.in, rd);
                    continue;
                }
                if (rd == null) {
                    continue;
                }
                if (n.kind == Kind.DENSE || n.kind == Kind.CONV) {
                    weightGradient(n, value[n.in], rd); // ∇W += aᵀ δ̇_z
                    n.gb.addi((n.kind == Kind.DENSE ? rd.sum(0) : rd.sum(0, 2, 3)).reshape(n.gb.shape()));
                }
                accumulate(rdelta, n.in, backward(n, i, rd));
                if (n.kind == Kind.ADD) {
                    accumulate(rdelta, n.in2, rd);
                }
            }
        }
        value = null;
        delta = null;
    }

    /** Drops the arrays kept by {@link #inputGradients} without adding anything. */
    public void release() {
        value = null;
        delta = null;
    }

    private static void accumulate(INDArray[] into, int index, INDArray d) {
        into[index] = into[index] == null ? d : into[index].add(d);
    }

    private INDArray forward(Node n, INDArray x, int index) {
        return switch (n.kind) {
            case DENSE -> x.mmul(n.w).addiRowVector(n.b);
            case CONV -> conv2d(x, n, true);
            case ACT -> n.act.equals("tanh") ? org.nd4j.linalg.ops.transforms.Transforms.tanh(x, true)
                    : x.mul(slope(n, x));
            case POOL2 -> {
                long[] s = x.shape();
                if (s[2] % 2 != 0 || s[3] % 2 != 0) {
                    throw new IllegalArgumentException("exact input-gradient penalty: 2x2 mean pool of an odd size "
                            + s[2] + "x" + s[3]);
                }
                yield x.dup('c').reshape(s[0], s[1], s[2] / 2, 2, s[3] / 2, 2).mean(3, 5);
            }
            case GLOBAL_MEAN -> x.mean(2, 3);
            case FLATTEN -> x.dup('c').reshape(x.size(0), -1);
            case TO_IMAGE -> x.dup('c').reshape(x.size(0), n.image[0], n.image[1], n.image[2]);
            case ADD -> x.add(value[n.in2]);
            case INPUT -> throw new IllegalStateException("input node " + index);
        };
    }

    /** The transpose of node n's (linear or linearised) map applied to d, the gradient at its output. */
    private INDArray backward(Node n, int index, INDArray d) {
        INDArray x = value[n.in];
        return switch (n.kind) {
            case DENSE -> d.mmul(n.w.transpose());
            case CONV -> conv2dBackprop(x, n, d)[0];
            case ACT -> d.mul(n.act.equals("tanh") ? slopeTanh(value[index]) : slope(n, x));
            case POOL2 -> {
                long[] s = d.shape();
                yield d.reshape(s[0], s[1], s[2], 1, s[3], 1).broadcast(s[0], s[1], s[2], 2, s[3], 2).muli(0.25)
                        .reshape(s[0], s[1], 2 * s[2], 2 * s[3]);
            }
            case GLOBAL_MEAN -> {
                long[] s = x.shape();
                yield d.reshape(s[0], s[1], 1, 1).broadcast(s).divi((double) (s[2] * s[3]));
            }
            case FLATTEN, TO_IMAGE -> d.dup('c').reshape(x.shape());
            case ADD -> d;
            case INPUT -> throw new IllegalStateException("input node " + index);
        };
    }

    /** σ'(z) for ReLU / LeakyReLU (1 where z > 0, else α), or tanh (from z). */
    private static INDArray slope(Node n, INDArray z) {
        if (n.act.equals("tanh")) {
            return slopeTanh(org.nd4j.linalg.ops.transforms.Transforms.tanh(z, true));
        }
        INDArray mask = z.gt(0).castTo(z.dataType());
        return n.alpha == 0 ? mask : mask.muli(1 - n.alpha).addi(n.alpha);
    }

    /** 1 − a² for a = tanh(z). */
    private static INDArray slopeTanh(INDArray a) {
        return a.mul(a).rsubi(1);
    }

    private void weightGradient(Node n, INDArray x, INDArray d) {
        if (n.kind == Kind.DENSE) {
            n.gw.addi(x.transpose().mmul(d));
        } else {
            n.gw.addi(conv2dBackprop(x, n, d)[1]);
        }
    }

    private static int[] convArgs(Node n) {
        // kH, kW, sH, sW, pH, pW, dH, dW, padding mode (0: explicit, 1: same), data format (0: NCHW), weights (1: [o, i, kh, kw])
        boolean same = n.pad == SAME;
        int p = same ? 0 : n.pad;
        return new int[]{n.kernel, n.kernel, n.stride, n.stride, p, p, 1, 1, same ? 1 : 0, 0, 1};
    }

    private static INDArray conv2d(INDArray x, Node n, boolean bias) {
        DynamicCustomOp.DynamicCustomOpsBuilder op = DynamicCustomOp.builder("conv2d")
                .addIntegerArguments(convArgs(n));
        if (bias) {
            op.addInputs(x, n.w, n.b.reshape(n.b.length()));
        } else {
            op.addInputs(x, n.w);
        }
        return Nd4j.exec(op.build())[0];
    }

    /** [dL/dx, dL/dW] of the convolution (no bias) for the output gradient d at input x. */
    private static INDArray[] conv2dBackprop(INDArray x, Node n, INDArray d) {
        DataType t = x.dataType();
        if (n.scratch == null || n.scratch.dataType() != t) {
            n.scratch = Nd4j.createUninitializedDetached(t, n.w.shape());
        }
        INDArray gradIn = Nd4j.createUninitialized(t, x.shape());
        Nd4j.exec(DynamicCustomOp.builder("conv2d_bp")
                .addInputs(x, n.w, d.castTo(t))
                .addOutputs(gradIn, n.scratch)
                .addIntegerArguments(convArgs(n))
                .build());
        return new INDArray[]{gradIn, n.scratch};
    }
}
