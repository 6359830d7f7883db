package io.dgan.model.layers;

import io.dgan.model.Architecture;
import io.dgan.model.GanModels;
import io.dgan.model.ModelNetwork;
import io.dgan.model.Shape;
import org.deeplearning4j.nn.api.Layer;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The caching layers compute exactly what DL4J's own layers compute (outputs, parameter gradients and input
 * gradients bit-identical, networks built from the same seed), and their backward passes really take the forward
 * pass's pre-activation instead of computing it again.
 */
class ForwardCachingTest {

    private static ModelNetwork build(Architecture arch, long seed, boolean caching) {
        String before = System.getProperty(ForwardCaching.PROPERTY);
        System.setProperty(ForwardCaching.PROPERTY, Boolean.toString(caching));
        try {
            return new ModelNetwork(arch, seed, DataType.FLOAT);
        } finally {
            if (before == null) {
                System.clearProperty(ForwardCaching.PROPERTY);
            } else {
                System.setProperty(ForwardCaching.PROPERTY, before);
            }
        }
    }

    private static int cachingLayers(ModelNetwork net) {
        int n = 0;
        for (Layer layer : net.layers()) {
            if (layer instanceof CachingLayer) {
                n++;
            }
        }
        return n;
    }

    /** Two training steps' passes (forward, backward) on both networks, compared bit for bit after each. */
    private static void assertSameGradients(Architecture arch, Supplier<INDArray> inputs, int expectedCachingLayers) {
        ModelNetwork stock = build(arch, 11, false);
        ModelNetwork cached = build(arch, 11, true);
        assertThat(cachingLayers(stock)).isZero();
        assertThat(cachingLayers(cached)).as(arch.name() + " caching layers").isEqualTo(expectedCachingLayers);
        assertThat(cached.params()).isEqualTo(stock.params());
        for (int step = 0; step < 2; step++) {
            INDArray x = inputs.get();
            INDArray outStock = stock.forward(x, true).dup();
            INDArray outCached = cached.forward(x, true).dup();
            assertThat(outCached).as(arch.name() + " output").isEqualTo(outStock);
            INDArray eps = Nd4j.randn(DataType.FLOAT, outStock.shape());
            long hits = ForwardCaching.hits();
            INDArray dxStock = stock.backward(eps.dup()).dup();
            INDArray dxCached = cached.backward(eps.dup()).dup();
            assertThat(ForwardCaching.hits() - hits).as(arch.name() + " backward passes that reused z")
                    .isEqualTo(expectedCachingLayers);
            assertThat(cached.gradients()).as(arch.name() + " parameter gradient, step " + step)
                    .isEqualTo(stock.gradients());
            assertThat(dxCached).as(arch.name() + " input gradient, step " + step).isEqualTo(dxStock);
        }
    }

    @Test
    void dcganGeneratorAndDiscriminatorGiveDl4jsGradientsBitForBit() {
        Shape image = Shape.image(1, 28, 28);
        Architecture[] gd = GanModels.architectures("dcgan-small", image);
        // G (a graph, with batch norm): dense + 2 transposed convolutions; D (a layer stack): 2 convolutions + dense.
        assertSameGradients(gd[0], () -> Nd4j.randn(DataType.FLOAT, 6, 100), 3);
        assertSameGradients(gd[1], () -> Nd4j.rand(DataType.FLOAT, image.batchShape(6)), 3);
        // The layer-stack generator without batch norm: every layer is a caching one.
        assertSameGradients(GanModels.dcganGenerator(100, image, 8, false), () -> Nd4j.randn(DataType.FLOAT, 4, 100), 3);
    }

    @Test
    void mlpAndResNetCriticGiveDl4jsGradientsBitForBit() {
        Architecture[] mlp = GanModels.architectures("mlp", Shape.vector(2));
        assertSameGradients(mlp[0], () -> Nd4j.randn(DataType.FLOAT, 8, 16), 4);
        assertSameGradients(mlp[1], () -> Nd4j.randn(DataType.FLOAT, 8, 2), 3);
        Architecture critic = GanModels.architectures("resnet-wgan-gp", Shape.image(1, 28, 28))[1];
        ModelNetwork probe = build(critic, 1, true);
        int convs = cachingLayers(probe);
        assertThat(convs).as("the ResNet critic's convolutions and its dense score").isGreaterThan(4);
        assertSameGradients(critic, () -> Nd4j.rand(DataType.FLOAT, Shape.image(1, 28, 28).batchShape(2)), convs);
    }

    /**
     * A second forward pass replaces the cached value: the backward pass then belongs to the second input, exactly
     * as DL4J's layers back-propagate through their last forward pass. An inference pass in between empties the cache,
     * so the backward pass computes z again (no hit) and still gives DL4J's gradient.
     */
    @Test
    void theBackwardPassBelongsToTheLastTrainingForwardPass() {
        Shape image = Shape.image(1, 28, 28);
        Architecture d = GanModels.architectures("dcgan-small", image)[1];
        ModelNetwork stock = build(d, 5, false);
        ModelNetwork cached = build(d, 5, true);
        INDArray first = Nd4j.rand(DataType.FLOAT, image.batchShape(3));
        INDArray second = Nd4j.rand(DataType.FLOAT, image.batchShape(3));
        INDArray eps = Nd4j.randn(DataType.FLOAT, 3, 1);
        stock.forward(first, true);
        cached.forward(first, true);
        stock.forward(second, true);
        cached.forward(second, true);
        stock.backward(eps.dup());
        cached.backward(eps.dup());
        assertThat(cached.gradients()).isEqualTo(stock.gradients());

        long hits = ForwardCaching.hits();
        stock.forward(first, true);
        stock.forward(second, false);
        INDArray dxStock = stock.backward(eps.dup()).dup();
        cached.forward(first, true);
        cached.forward(second, false);
        INDArray dxCached = cached.backward(eps.dup()).dup();
        assertThat(ForwardCaching.hits() - hits).as("after an inference pass z is computed again").isZero();
        assertThat(cached.gradients()).isEqualTo(stock.gradients());
        assertThat(dxCached).isEqualTo(dxStock);
    }

    /** A discriminator sees two batch shapes in turn (the fakes, then real and fake): one buffer each, kept. */
    @Test
    void alternatingBatchShapesKeepOneBufferPerShape() {
        Shape image = Shape.image(1, 28, 28);
        ModelNetwork d = build(GanModels.architectures("dcgan-small", image)[1], 5, true);
        long hits = ForwardCaching.hits();
        for (int step = 0; step < 3; step++) {
            for (int rows : new int[]{3, 6}) {
                d.forward(Nd4j.rand(DataType.FLOAT, image.batchShape(rows)), true);
                d.backward(Nd4j.randn(DataType.FLOAT, rows, 1));
            }
        }
        assertThat(ForwardCaching.hits() - hits).isEqualTo(3 * 2 * 3);
        for (Layer layer : d.layers()) {
            assertThat(layer).as("every layer of D caches").isInstanceOf(CachingLayer.class);
            assertThat(((CachingLayer) layer).cache().buffers()).as("buffers of " + layer.getClass().getSimpleName())
                    .isEqualTo(2);
        }
    }

    @Test
    void otherLayersAndTheSwitchedOffPropertyKeepDl4jsConfigurations() {
        var bn = new org.deeplearning4j.nn.conf.layers.BatchNormalization.Builder().build();
        assertThat(ForwardCaching.of(bn)).isSameAs(bn);
        var conv1d = new org.deeplearning4j.nn.conf.layers.Convolution1DLayer.Builder(3).nOut(4).build();
        assertThat(ForwardCaching.of(conv1d)).as("subclasses have passes of their own").isSameAs(conv1d);
        var dense = new org.deeplearning4j.nn.conf.layers.DenseLayer.Builder().nIn(3).nOut(4).build();
        assertThat(ForwardCaching.of(dense)).isInstanceOf(ForwardCaching.Dense.class);
        assertThat(((ForwardCaching.Dense) ForwardCaching.of(dense)).getNOut()).isEqualTo(4);
        System.setProperty(ForwardCaching.PROPERTY, "false");
        try {
            assertThat(ForwardCaching.of(dense)).isSameAs(dense);
        } finally {
            System.clearProperty(ForwardCaching.PROPERTY);
        }
    }
}
