package io.dgan.model.layers;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.layers.feedforward.dense.DenseLayer;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** DL4J's dense layer with the training forward pass's pre-activation reused by the backward pass (no layer norm). */
final class CachingDenseLayer extends DenseLayer {
    private final PreActivationCache cache = new PreActivationCache();

    CachingDenseLayer(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    @Override
    protected Pair<INDArray, INDArray> preOutputWithPreNorm(boolean training, boolean forBackprop,
                                                            LayerWorkspaceMgr workspaceMgr) {
        if (forBackprop && !hasLayerNorm()) {
            INDArray z = cache.take(input);
            if (z != null) {
                return new Pair<>(z, z); // without layer norm, the pre-norm value is z itself
            }
        }
        Pair<INDArray, INDArray> out = super.preOutputWithPreNorm(training, forBackprop, workspaceMgr);
        if (training && !forBackprop && !hasLayerNorm()) {
            cache.keep(input, out.getFirst());
        } else if (!training) {
            cache.clear();
        }
        return out;
    }
}
