package io.dgan.model.layers;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.ParamInitializer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.Deconvolution2D;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.layers.LayerValidation;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.Collection;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BiFunction;

/**
 * Dense, convolution and transposed-convolution layers whose backward pass reuses the pre-activation of the forward
 * pass instead of computing it again (see {@link PreActivationCache}). Same parameters, same layout, same arithmetic:
 * the gradients are bit-identical to DL4J's own layers; what goes is one forward pass of every such layer per
 * backward pass.
 *
 * <p>{@link #of} takes a layer configuration built with DL4J's builders and returns the caching variant of it (a
 * subclass of the same configuration class with every field copied), or the configuration unchanged for other
 * layers. {@code -Ddgan.layers.forwardCache=false} builds DL4J's own layers instead (for comparisons).
 */
public final class ForwardCaching {
    /** System property that turns the caching layers off ({@code -Ddgan.layers.forwardCache=false}). */
    public static final String PROPERTY = "dgan.layers.forwardCache";
    /** Backward passes that reused a cached pre-activation (all layers of this JVM); tests read it. */
    static final LongAdder HITS = new LongAdder();

    private ForwardCaching() {
    }

    /** Whether the caching layers are built ({@value #PROPERTY}, default true). */
    public static boolean enabled() {
        return Boolean.parseBoolean(System.getProperty(PROPERTY, "true"));
    }

    /** Number of backward passes so far that reused a forward pass's pre-activation. */
    public static long hits() {
        return HITS.sum();
    }

    /** The caching variant of {@code layer} when it is a plain dense, convolution or transposed-convolution layer. */
    public static org.deeplearning4j.nn.conf.layers.Layer of(org.deeplearning4j.nn.conf.layers.Layer layer) {
        if (!enabled()) {
            return layer;
        }
        // Exact classes only: subclasses (1-D, depthwise, separable convolutions) have passes of their own.
        if (layer.getClass() == DenseLayer.class) {
            return copyFields(layer, new Dense());
        }
        if (layer.getClass() == ConvolutionLayer.class) {
            return copyFields(layer, new Convolution());
        }
        if (layer.getClass() == Deconvolution2D.class) {
            return copyFields(layer, new Deconvolution());
        }
        return layer;
    }

    /** Copies every instance field that {@code from}'s class declares or inherits into {@code to} (a subclass). */
    private static <T> T copyFields(Object from, T to) {
        for (Class<?> c = from.getClass(); c != null && c != Object.class; c = c.getSuperclass()) {
            for (Field f : c.getDeclaredFields()) {
                if (Modifier.isStatic(f.getModifiers())) {
                    continue;
                }
                try {
                    f.setAccessible(true);
                    f.set(to, f.get(from));
                } catch (IllegalAccessException | RuntimeException e) {
                    throw new IllegalStateException("cannot copy layer configuration field " + c.getSimpleName() + "."
                            + f.getName() + ": " + e.getMessage(), e);
                }
            }
        }
        return to;
    }

    /** What every {@code instantiate} of DL4J's layer configurations does, with our layer class. */
    private static Layer instantiate(FeedForwardLayer layerConf, String kind, ParamInitializer initializer,
                                     NeuralNetConfiguration conf, Collection<TrainingListener> listeners, int index,
                                     INDArray paramsView, boolean initializeParams, DataType dataType,
                                     BiFunction<NeuralNetConfiguration, DataType, Layer> create) {
        LayerValidation.assertNInNOutSet(kind, layerConf.getLayerName(), index, layerConf.getNIn(), layerConf.getNOut());
        Layer layer = create.apply(conf, dataType);
        layer.setListeners(listeners);
        layer.setIndex(index);
        layer.setParamsViewArray(paramsView);
        layer.setParamTable(initializer.init(conf, paramsView, initializeParams));
        layer.setConf(conf);
        return layer;
    }

    /** Configuration of a {@link CachingDenseLayer}. */
    public static final class Dense extends DenseLayer {
        /** For DL4J's JSON form of a configuration; {@link ForwardCaching#of} fills in the fields. */
        public Dense() {
        }

        @Override
        public Layer instantiate(NeuralNetConfiguration conf, Collection<TrainingListener> listeners, int index,
                                 INDArray paramsView, boolean initializeParams, DataType dataType) {
            return ForwardCaching.instantiate(this, "DenseLayer", initializer(), conf, listeners, index, paramsView,
                    initializeParams, dataType, CachingDenseLayer::new);
        }
    }

    /** Configuration of a {@link CachingConvolutionLayer}. */
    public static final class Convolution extends ConvolutionLayer {
        /** For DL4J's JSON form of a configuration; {@link ForwardCaching#of} fills in the fields. */
        public Convolution() {
        }

        @Override
        public Layer instantiate(NeuralNetConfiguration conf, Collection<TrainingListener> listeners, int index,
                                 INDArray paramsView, boolean initializeParams, DataType dataType) {
            return ForwardCaching.instantiate(this, "ConvolutionLayer", initializer(), conf, listeners, index,
                    paramsView, initializeParams, dataType, CachingConvolutionLayer::new);
        }
    }

    /** Configuration of a {@link CachingDeconvolutionLayer}. */
    public static final class Deconvolution extends Deconvolution2D {
        /** For DL4J's JSON form of a configuration; {@link ForwardCaching#of} fills in the fields. */
        public Deconvolution() {
        }

        @Override
        public Layer instantiate(NeuralNetConfiguration conf, Collection<TrainingListener> listeners, int index,
                                 INDArray paramsView, boolean initializeParams, DataType dataType) {
            return ForwardCaching.instantiate(this, "Deconvolution2D", initializer(), conf, listeners, index,
                    paramsView, initializeParams, dataType, CachingDeconvolutionLayer::new);
        }
    }
}
