package io.dgan.model.layers;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.layers.convolution.ConvolutionLayer;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** DL4J's 2-D convolution with the training forward pass's pre-activation reused by the backward pass. */
final class CachingConvolutionLayer extends ConvolutionLayer {
    private final PreActivationCache cache = new PreActivationCache();

    CachingConvolutionLayer(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    @Override
    protected Pair<INDArray, INDArray> preOutput(boolean training, boolean forBackprop, LayerWorkspaceMgr workspaceMgr) {
        if (forBackprop) {
            INDArray z = cache.take(input);
            if (z != null) {
                return new Pair<>(z, null);
            }
        }
        Pair<INDArray, INDArray> out = super.preOutput(training, forBackprop, workspaceMgr);
        if (training && !forBackprop) {
            cache.keep(input, out.getFirst());
        } else if (!training) {
            cache.clear();
        }
        return out;
    }
}
