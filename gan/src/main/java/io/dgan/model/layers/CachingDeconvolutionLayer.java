package io.dgan.model.layers;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.layers.convolution.Deconvolution2DLayer;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** DL4J's transposed 2-D convolution with the training forward pass's pre-activation reused by the backward pass. */
final class CachingDeconvolutionLayer extends Deconvolution2DLayer implements CachingLayer {
    private final PreActivationCache cache = new PreActivationCache();

    CachingDeconvolutionLayer(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    @Override
    public PreActivationCache cache() {
        return cache;
    }

    @Override
    protected Pair<INDArray, INDArray> preOutput(boolean training, boolean forBackprop, LayerWorkspaceMgr workspaceMgr) {
        return cache.preOutput(input, training, forBackprop, false,
                () -> super.preOutput(training, forBackprop, workspaceMgr));
    }
}
