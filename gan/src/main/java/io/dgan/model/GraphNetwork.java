package io.dgan.model;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.INDArrayIndex;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The ComputationGraph side of {@link ModelNetwork}: forward, backward to dLoss/dInput, live flat views.
 *
 * <p>Batch normalisation: DL4J keeps each BN layer's running mean and log10 std inside the flat parameter vector and
 * writes their moving-average "update" into the gradient vector. Our optimizer would treat those as gradients, so
 * they are zeroed after every backward pass: the running statistics stay at their initial values (0, 0), and the
 * network always normalises with the statistics of the batch at hand, in training and in sampling alike — which is
 * also what the reference implementation does (its fused batch norm always runs in training mode). The frozen
 * entries are 2 × channels per BN layer (1,792 of the 32×32 ResNet generator's 1,206,275); gossip averages them
 * as constants.
 */
final class GraphNetwork {
    private final ComputationGraph graph;
    private final String output;
    private final InputGradientVertex.Impl inputGradient;
    /** [offset, length] of every frozen range (BN running statistics) in the flat vectors. */
    private final List<long[]> frozen = new ArrayList<>();

    GraphNetwork(Architecture arch, long seed, DataType dataType) {
        this.graph = GraphNetworks.build(arch, seed, dataType);
        this.output = GraphNetworks.outputName(arch);
        this.inputGradient = (InputGradientVertex.Impl) graph.getVertex(GraphNetworks.INPUT_GRADIENT);
        long base = graph.params().offset();
        for (Layer layer : graph.getLayers()) {
            if (layer.conf().getLayer() instanceof BatchNormalization) {
                for (Map.Entry<String, INDArray> e : layer.paramTable().entrySet()) {
                    if (!e.getKey().equals("gamma") && !e.getKey().equals("beta")) {
                        frozen.add(new long[]{e.getValue().offset() - base, e.getValue().length()});
                    }
                }
            }
        }
    }

    ComputationGraph graph() {
        return graph;
    }

    INDArray params() {
        return graph.params();
    }

    INDArray gradients() {
        return graph.getGradientsViewArray();
    }

    /**
     * BN always uses batch statistics (see the class comment; the layers here have no dropout). {@code training}:
     * keep every layer's input for {@link #backward}; else only the output is computed (in workspaces, so sampling
     * thousands of images does not hold every activation).
     */
    INDArray forward(INDArray input, boolean training) {
        if (!training) {
            return graph.output(true, input)[0];
        }
        Map<String, INDArray> acts = graph.feedForward(new INDArray[]{input}, true, false);
        return acts.get(output);
    }

    INDArray backward(INDArray dLossDOutput) {
        graph.backpropGradient(dLossDOutput);
        INDArray g = gradients();
        for (long[] r : frozen) {
            INDArrayIndex range = NDArrayIndex.interval(r[0], r[0] + r[1]);
            (g.rank() == 1 ? g.get(range) : g.get(NDArrayIndex.all(), range)).assign(0); // the view is [1, n]
        }
        return inputGradient.captured();
    }

    /** Number of flat-vector entries that are frozen BN running statistics. */
    long frozenCount() {
        return frozen.stream().mapToLong(r -> r[1]).sum();
    }
}
