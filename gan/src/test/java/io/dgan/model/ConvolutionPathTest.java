package io.dgan.model;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.layers.convolution.ConvolutionLayer;
import org.deeplearning4j.nn.layers.mkldnn.MKLDNNConvHelper;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The fast convolution path computes the same function as DL4J's reference path: explicit padding versus
 * ConvolutionMode.Same, and DL4J's oneDNN convolution versus DL4J's own im2col implementation. Compared on outputs,
 * parameter gradients and input gradients, at the same parameters.
 */
class ConvolutionPathTest {

    @Test
    void explicitPaddingEqualsSameModeForTheDcganLayers() {
        for (Shape image : new Shape[]{Shape.image(1, 28, 28), Shape.image(3, 32, 32)}) {
            Architecture g = GanModels.dcganGenerator(100, image, 16, false); // the layer-stack form (no batch norm)
            Architecture d = GanModels.dcganDiscriminator(image, 16);
            assertSameFunction(g.build(3, DataType.FLOAT, Architecture.Padding.SAME),
                    g.build(3, DataType.FLOAT, Architecture.Padding.EXPLICIT), Nd4j.randn(DataType.FLOAT, 5, 100));
            assertSameFunction(d.build(4, DataType.FLOAT, Architecture.Padding.SAME),
                    d.build(4, DataType.FLOAT, Architecture.Padding.EXPLICIT),
                    Nd4j.rand(DataType.FLOAT, image.batchShape(5)));
        }
    }

    /**
     * The DCGAN generator with batch norm is a ComputationGraph: its transposed convolutions must take the explicit
     * padding too (the fast oneDNN deconv2d declines 'Same') and compute what 'Same' computes: same output, same
     * parameter and input gradients (BN in training mode, batch statistics, as always here).
     */
    @Test
    void batchNormGeneratorGraphUsesExplicitPaddingAndComputesWhatSameComputes() {
        for (Shape image : new Shape[]{Shape.image(1, 28, 28), Shape.image(3, 32, 32)}) {
            Architecture g = GanModels.dcganGenerator(100, image, 8);
            assertThat(g.isGraph()).as("batch norm needs the graph builder").isTrue();
            ComputationGraph same = GraphNetworks.build(g, 3, DataType.FLOAT, Architecture.Padding.SAME);
            ComputationGraph explicit = GraphNetworks.build(g, 3, DataType.FLOAT, Architecture.Padding.EXPLICIT);
            int deconvs = 0;
            for (Layer layer : explicit.getLayers()) {
                if (layer.conf().getLayer() instanceof org.deeplearning4j.nn.conf.layers.Deconvolution2D d) {
                    assertThat(d.getConvolutionMode()).isEqualTo(ConvolutionMode.Truncate);
                    assertThat(d.getPadding()).containsExactly(1, 1);
                    deconvs++;
                }
            }
            assertThat(deconvs).isEqualTo(image.height() == 28 ? 2 : 3);
            assertThat(explicit.numParams()).isEqualTo(same.numParams());
            explicit.params().assign(same.params());
            INDArray z = Nd4j.randn(DataType.FLOAT, 5, 100);
            INDArray outSame = same.feedForward(new INDArray[]{z}, true, false).get(GraphNetworks.outputName(g)).dup();
            INDArray outExplicit = explicit.feedForward(new INDArray[]{z}, true, false).get(GraphNetworks.outputName(g)).dup();
            assertThat(outExplicit.shape()).containsExactly(5, image.channels(), image.height(), image.width());
            assertClose(outExplicit, outSame);
            INDArray eps = Nd4j.randn(DataType.FLOAT, outSame.shape());
            same.backpropGradient(eps);
            explicit.backpropGradient(eps);
            assertClose(explicit.getGradientsViewArray(), same.getGradientsViewArray());
        }
    }

    @Test
    void explicitPaddingIsUsedExactlyWhereItEqualsSame() {
        assertThat(Architecture.samePadding(4, 2, 28, 28, Architecture.Padding.EXPLICIT)).isEqualTo(1);
        assertThat(Architecture.samePadding(3, 1, 7, 7, Architecture.Padding.EXPLICIT)).isEqualTo(1);
        assertThat(Architecture.samePadding(4, 2, 7, 7, Architecture.Padding.EXPLICIT)).as("7 not a multiple of 2")
                .isEqualTo(-1);
        assertThat(Architecture.samePadding(3, 2, 28, 28, Architecture.Padding.EXPLICIT)).as("odd k - s").isEqualTo(-1);
        assertThat(Architecture.samePadding(4, 2, 28, 28, Architecture.Padding.SAME)).isEqualTo(-1);

        MultiLayerNetwork d = GanModels.dcganDiscriminator(Shape.image(1, 28, 28), 8).build(1, DataType.FLOAT);
        for (int i = 0; i < 2; i++) {
            var conf = (org.deeplearning4j.nn.conf.layers.ConvolutionLayer) d.getLayer(i).conf().getLayer();
            assertThat(conf.getConvolutionMode()).isEqualTo(ConvolutionMode.Truncate);
            assertThat(conf.getPadding()).containsExactly(1, 1);
        }
    }

    @Test
    void convolutionLayersUseTheOneDnnHelperWhenTheNativeLibraryHasOneDnn() {
        MultiLayerNetwork d = GanModels.dcganDiscriminator(Shape.image(1, 28, 28), 8).build(1, DataType.FLOAT);
        Layer conv = d.getLayer(0);
        assertThat(conv).isInstanceOf(ConvolutionLayer.class);
        if (NativeBackend.oneDnn()) {
            assertThat(conv.getHelper()).isInstanceOf(MKLDNNConvHelper.class);
        } else {
            assertThat(conv.getHelper()).isNull();
        }
        assertThat(NativeBackend.describe()).contains("backend=CPU", "oneDNN=" + NativeBackend.oneDnn());
    }

    @Test
    void oneDnnHelperComputesWhatDl4jsOwnConvolutionComputes() {
        Architecture d = GanModels.dcganDiscriminator(Shape.image(1, 28, 28), 16);
        MultiLayerNetwork fast = d.build(5, DataType.FLOAT);
        MultiLayerNetwork reference;
        String before = System.getProperty(NativeBackend.HELPERS_DISABLE);
        System.setProperty(NativeBackend.HELPERS_DISABLE, "true");
        try {
            reference = d.build(5, DataType.FLOAT);
        } finally {
            System.setProperty(NativeBackend.HELPERS_DISABLE, before == null ? "false" : before);
        }
        assertThat(reference.getLayer(0).getHelper()).isNull();
        assertSameFunction(reference, fast, Nd4j.rand(DataType.FLOAT, 6, 1, 28, 28).subi(0.5));
    }

    /** Same parameters in both; outputs, parameter gradients and input gradients agree to float rounding. */
    private static void assertSameFunction(MultiLayerNetwork a, MultiLayerNetwork b, INDArray input) {
        assertThat(b.numParams()).isEqualTo(a.numParams());
        b.params().assign(a.params());
        INDArray outA = forward(a, input);
        INDArray outB = forward(b, input);
        assertThat(outB.shape()).containsExactly(outA.shape());
        assertClose(outB, outA);
        INDArray eps = Nd4j.randn(DataType.FLOAT, outA.shape());
        INDArray inGradA = a.backpropGradient(eps, LayerWorkspaceMgr.noWorkspaces()).getSecond().dup();
        INDArray inGradB = b.backpropGradient(eps, LayerWorkspaceMgr.noWorkspaces()).getSecond().dup();
        assertClose(inGradB, inGradA);
        assertClose(b.getGradientsViewArray(), a.getGradientsViewArray());
    }

    private static INDArray forward(MultiLayerNetwork net, INDArray input) {
        net.setInput(input);
        var acts = net.feedForward(true, false);
        return acts.get(acts.size() - 1).dup();
    }

    private static void assertClose(INDArray actual, INDArray expected) {
        double scale = Math.max(1e-6, expected.amaxNumber().doubleValue());
        double diff = actual.sub(expected).amaxNumber().doubleValue();
        assertThat(diff / scale).as("max |difference| relative to max |value| (%s)", scale).isLessThan(1e-4);
        assertThat(expected.amaxNumber().doubleValue()).as("not a vacuous comparison of zeros").isGreaterThan(0);
    }
}
