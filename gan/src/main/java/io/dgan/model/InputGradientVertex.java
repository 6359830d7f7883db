package io.dgan.model;

import org.deeplearning4j.nn.conf.graph.ScaleVertex;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.GraphVertex;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * An identity vertex placed right after a ComputationGraph's input that keeps a copy of the gradient flowing back
 * into it. DL4J's ComputationGraph computes dLoss/dInput but does not return it (unlike MultiLayerNetwork's
 * backpropGradient); the WGAN-GP penalty needs it.
 */
final class InputGradientVertex extends ScaleVertex {

    InputGradientVertex() {
        super(1.0);
    }

    @Override
    public InputGradientVertex clone() {
        return new InputGradientVertex();
    }

    @Override
    public GraphVertex instantiate(ComputationGraph graph, String name, int idx, INDArray paramsView,
                                   boolean initializeParams, DataType networkDatatype) {
        return new Impl(graph, name, idx, networkDatatype);
    }

    /** The vertex itself: identity forward, identity backward, with a detached copy of the backward gradient. */
    static final class Impl extends org.deeplearning4j.nn.graph.vertex.impl.ScaleVertex {
        private INDArray captured;

        Impl(ComputationGraph graph, String name, int idx, DataType dataType) {
            super(graph, name, idx, 1.0, dataType);
        }

        @Override
        public Pair<Gradient, INDArray[]> doBackward(boolean tbptt, LayerWorkspaceMgr workspaceMgr) {
            Pair<Gradient, INDArray[]> p = super.doBackward(tbptt, workspaceMgr);
            try (MemoryWorkspace ws = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
                captured = p.getSecond()[0].dup();
            }
            return p;
        }

        /** dLoss/dInput of the last backward pass (null before the first). */
        INDArray captured() {
            return captured;
        }
    }
}
