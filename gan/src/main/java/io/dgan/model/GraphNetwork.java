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
 * writes their moving-average update (old − new, decay 0.9) into the gradient vector. The optimizer must not treat
 * those as gradients, so after every training backward pass each is applied to the parameters here (running
 * statistics ← decay·old + (1 − decay)·batch, from this worker's own batch) and its gradient entry is zeroed: the
 * optimizer never moves them (a zero gradient gives a zero Adam and optimistic step), gossip averages them with the
 * rest of G, and checkpoints keep them. Training passes normalise with the statistics of the batch at hand;
 * inference passes ({@code forward(x, false)}: sampling, evaluation) with the running statistics, so a sample
 * depends on its own noise only, not on the other samples of its batch. Under CP-OAdam the running statistics are
 * the only entries in which the workers differ (each tracks its own batches; the trained parameters stay
 * identical); evaluation uses the network average. 2 × channels entries per BN layer (1,792 of the 32×32 ResNet
 * generator's 1,206,275).
 */
final class GraphNetwork {
    private final ComputationGraph graph;
    private final String output;
    private final InputGradientVertex.Impl inputGradient;
    /** [offset, length] of every BN running-statistics range in the flat vectors (not trained by the optimizer). */
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
     * {@code training}: BN with batch statistics, every layer's input kept for {@link #backward}; else inference:
     * BN with the running statistics, only the output computed (in workspaces, so sampling thousands of images does
     * not hold every activation). The layers here have no dropout.
     */
    INDArray forward(INDArray input, boolean training) {
        if (!training) {
            return graph.output(false, input)[0];
        }
        Map<String, INDArray> acts = graph.feedForward(new INDArray[]{input}, true, false);
        return acts.get(output);
    }

    INDArray backward(INDArray dLossDOutput) {
        graph.backpropGradient(dLossDOutput);
        INDArray g = gradients();
        INDArray p = params();
        for (long[] r : frozen) {
            INDArrayIndex range = NDArrayIndex.interval(r[0], r[0] + r[1]);
            INDArray gr = g.rank() == 1 ? g.get(range) : g.get(NDArrayIndex.all(), range); // the views are [1, n]
            INDArray pr = p.rank() == 1 ? p.get(range) : p.get(NDArrayIndex.all(), range);
            pr.subi(gr.reshape(pr.shape()));    // DL4J's update is (old − new): running statistics ← decay·old + (1 − decay)·batch
            gr.assign(0);
        }
        return inputGradient.captured();
    }

    /** Number of flat-vector entries that are BN running statistics (updated from batches, not by the optimizer). */
    long frozenCount() {
        return frozen.stream().mapToLong(r -> r[1]).sum();
    }
}
