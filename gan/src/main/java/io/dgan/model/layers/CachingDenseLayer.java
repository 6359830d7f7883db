package io.dgan.model.layers;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.layers.feedforward.dense.DenseLayer;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** DL4J's dense layer with the training forward pass's pre-activation reused by the backward pass (no layer norm). */
final class CachingDenseLayer extends DenseLayer implements CachingLayer {
    private final PreActivationCache cache = new PreActivationCache();

    CachingDenseLayer(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    @Override
    public PreActivationCache cache() {
        return cache;
    }

    @Override
    protected Pair<INDArray, INDArray> preOutputWithPreNorm(boolean training, boolean forBackprop,
                                                            LayerWorkspaceMgr workspaceMgr) {
        if (hasLayerNorm()) {
            return super.preOutputWithPreNorm(training, forBackprop, workspaceMgr);
        }
        return cache.preOutput(input, training, forBackprop, true,
                () -> super.preOutputWithPreNorm(training, forBackprop, workspaceMgr));
    }
}
