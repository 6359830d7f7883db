package io.dgan.model;

import io.dgan.optimizer.Player;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.nio.FloatBuffer;
import java.util.List;

/**
 * A DL4J network driven by a hand-written training loop (no {@code fit()}, no output layer): forward in training
 * mode, back-propagate a given dL/d(output), read the parameter gradient from the flat gradient view.
 *
 * <p>{@link #player(String)} exposes the flat parameter vector and the flat gradient vector as FloatBuffers over the
 * network's own native memory (live views): whatever the optimizer or gossip writes there is what the next forward
 * pass uses, with no copy.
 */
public final class ModelNetwork {
    private final Architecture architecture;
    private final MultiLayerNetwork net;
    /** Set instead of {@link #net} for architectures with residual blocks. */
    private final GraphNetwork graph;
    private final DataType dataType;
    private final SpectralNorm spectralNorm;

    public ModelNetwork(Architecture architecture, long seed, DataType dataType) {
        this.architecture = architecture;
        this.dataType = dataType;
        this.graph = architecture.isGraph() ? new GraphNetwork(architecture, seed, dataType) : null;
        this.net = graph == null ? architecture.build(seed, dataType) : null;
        this.spectralNorm = architecture.spectralNorm() ? new SpectralNorm(this, seed) : null;
    }

    /** The spectral normalisation of this network's weights, or null when off. */
    public SpectralNorm spectralNorm() {
        return spectralNorm;
    }

    /** DL4J layers in flat-vector order (MultiLayerNetwork or ComputationGraph). */
    public org.deeplearning4j.nn.api.Layer[] layers() {
        return graph != null ? graph.graph().getLayers() : net.getLayers();
    }

    /**
     * Entries of the flat vector that the optimizer does not train: BN running statistics of a graph, updated from
     * each training batch and used in inference passes (see GraphNetwork).
     */
    public long frozenParams() {
        return graph == null ? 0 : graph.frozenCount();
    }

    public Architecture architecture() {
        return architecture;
    }

    public MultiLayerNetwork network() {
        if (net == null) {
            throw new IllegalStateException(architecture.name() + " is a ComputationGraph");
        }
        return net;
    }

    public DataType dataType() {
        return dataType;
    }

    public long layoutHash() {
        return architecture.layoutHash(dataType);
    }

    public int numParams() {
        return Math.toIntExact(graph != null ? graph.params().length() : net.numParams());
    }

    /** The flat parameter vector (a live view). */
    public INDArray params() {
        return graph != null ? graph.params() : net.params();
    }

    /** The flat gradient vector (a live view), filled by {@link #backward(INDArray)}. */
    public INDArray gradients() {
        return graph != null ? graph.gradients() : net.getGradientsViewArray();
    }

    /**
     * Forward pass; in training mode the layer inputs are kept for {@link #backward(INDArray)} and batch norm uses
     * the batch's statistics; otherwise (sampling, evaluation) batch norm uses its running statistics.
     */
    public INDArray forward(INDArray input, boolean training) {
        if (graph != null) {
            return graph.forward(input, training);
        }
        net.setInput(input);
        List<INDArray> activations = net.feedForward(training, false);
        return activations.get(activations.size() - 1);
    }

    /**
     * Back-propagates {@code dLossDOutput} through the last training-mode forward pass: the parameter gradient
     * overwrites {@link #gradients()}, the return value is dLoss/dInput (shape of the input batch).
     */
    public INDArray backward(INDArray dLossDOutput) {
        if (graph != null) {
            return graph.backward(dLossDOutput);
        }
        return net.backpropGradient(dLossDOutput, LayerWorkspaceMgr.noWorkspaces()).getSecond();
    }

    /** Player over live views of params and gradients; float32 networks only (the optimizer works on floats). */
    public Player player(String name) {
        if (dataType != DataType.FLOAT) {
            throw new IllegalStateException("a Player needs a FLOAT network, " + architecture.name() + " is " + dataType);
        }
        return new Player(name, floatView(params()), floatView(gradients()));
    }

    /** A FloatBuffer over exactly the elements of a contiguous float INDArray, aliasing its native memory. */
    static FloatBuffer floatView(INDArray array) {
        if (array.dataType() != DataType.FLOAT || !array.isVector() && array.length() != 1 || array.elementWiseStride() != 1) {
            throw new IllegalArgumentException("need a contiguous float vector, got " + array.shapeInfoToString());
        }
        return NativeFloats.view(array);
    }
}
