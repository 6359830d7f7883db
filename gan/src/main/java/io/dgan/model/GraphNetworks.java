package io.dgan.model;

import io.dgan.model.layers.ForwardCaching;
import io.dgan.model.LayerSpec.Act;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.conf.distribution.NormalDistribution;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.graph.PreprocessorVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.Deconvolution2D;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.conf.layers.Upsampling2D;
import org.deeplearning4j.nn.conf.preprocessor.FeedForwardToCnnPreProcessor;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.NoOp;

/**
 * Builds the ComputationGraph of an {@link Architecture} with residual blocks. The graph is a pure function of the
 * architecture's layer list (vertex names, order, shapes), so the layout hash of the description also fixes the
 * flat parameter layout.
 *
 * <p>Initialisation as in the reference code (gan_cifar_resnet.py): He for the 3×3 convolutions inside blocks,
 * Xavier (Glorot) for shortcuts, dense layers and the generator's output convolution. An architecture with
 * {@code initStdDev > 0} (the DCGAN generator with batch norm) draws its weights from N(0, initStdDev²) instead, as
 * its layer-stack form does; biases start at 0 and BN at γ = 1, β = 0.
 *
 * <p>Training workspaces are off for graphs with batch norm: with them on, DL4J's batch norm back-propagation read
 * a cached array from a workspace that {@code feedForward} had already closed. The training loops' periodic
 * {@code System.gc()} frees the native memory of dead arrays instead. Inference (sampling) uses workspaces.
 */
public final class GraphNetworks {
    static final String INPUT = "in";
    static final String INPUT_GRADIENT = "inputGradient";

    private GraphNetworks() {
    }

    static boolean hasBatchNorm(LayerSpec spec) {
        return spec instanceof LayerSpec.BatchNorm || spec instanceof LayerSpec.ResBlock r && r.batchNorm();
    }

    /** The output vertex's name in a graph built here. */
    static String outputName(Architecture a) {
        return "L" + (a.layers().size() - 1);
    }

    public static ComputationGraph build(Architecture arch, long seed, DataType dataType) {
        return build(arch, seed, dataType, Architecture.Padding.EXPLICIT);
    }

    /** As above with a chosen way of expressing 'Same' padding of the plain conv/deconv layers (equivalence test). */
    public static ComputationGraph build(Architecture arch, long seed, DataType dataType, Architecture.Padding padding) {
        NativeBackend.configure(); // DL4J's oneDNN layer support on, as for the layer-stack models
        NeuralNetConfiguration.Builder nb = new NeuralNetConfiguration.Builder()
                .seed(seed)
                .dataType(dataType)
                .updater(new NoOp())
                .trainingWorkspaceMode(arch.layers().stream().anyMatch(GraphNetworks::hasBatchNorm)
                        ? WorkspaceMode.NONE : WorkspaceMode.ENABLED)
                .inferenceWorkspaceMode(WorkspaceMode.ENABLED)
                .convolutionMode(ConvolutionMode.Same);
        if (arch.initStdDev() > 0) {
            nb.weightInit(new NormalDistribution(0, arch.initStdDev())); // DCGAN: N(0, 0.02²); resblocks set their own
        } else {
            nb.weightInit(WeightInit.XAVIER);
        }
        ComputationGraphConfiguration.GraphBuilder g = nb.graphBuilder().addInputs(INPUT);
        g.addVertex(INPUT_GRADIENT, new InputGradientVertex(), INPUT);
        String prev = INPUT_GRADIENT;
        int channels = arch.input().isImage() ? arch.input().channels() : 0;
        // Spatial size entering the next layer (0: unknown or not an image), for explicit padding where it equals
        // 'Same' (the oneDNN path; see Architecture.samePadding).
        int height = arch.input().isImage() ? arch.input().height() : 0;
        int width = arch.input().isImage() ? arch.input().width() : 0;
        int i = 0;
        for (LayerSpec spec : arch.layers()) {
            String name = "L" + i++;
            if (spec instanceof LayerSpec.Dense d) {
                g.addLayer(name, ForwardCaching.of(new DenseLayer.Builder().nOut(d.nOut())
                        .activation(Architecture.activation(d.activation())).build()), prev);
                height = 0;
                width = 0;
            } else if (spec instanceof LayerSpec.Conv c) {
                ConvolutionLayer.Builder layer = new ConvolutionLayer.Builder(c.kernel(), c.kernel())
                        .stride(c.stride(), c.stride()).nOut(c.nOut()).activation(Architecture.activation(c.activation()));
                int pad = Architecture.samePadding(c.kernel(), c.stride(), height, width, padding);
                if (pad >= 0) {
                    layer.convolutionMode(ConvolutionMode.Truncate).padding(pad, pad);
                }
                g.addLayer(name, ForwardCaching.of(layer.build()), prev);
                channels = c.nOut();
                height = (height + c.stride() - 1) / c.stride();
                width = (width + c.stride() - 1) / c.stride();
            } else if (spec instanceof LayerSpec.Deconv c) {
                Deconvolution2D.Builder layer = new Deconvolution2D.Builder(c.kernel(), c.kernel())
                        .stride(c.stride(), c.stride()).nOut(c.nOut()).activation(Architecture.activation(c.activation()));
                // Transposed: 'Same' gives size × s from a total padding of k − s whatever the input size.
                int pad = Architecture.samePadding(c.kernel(), c.stride(), c.stride(), c.stride(), padding);
                if (pad >= 0) {
                    layer.convolutionMode(ConvolutionMode.Truncate).padding(pad, pad);
                }
                g.addLayer(name, ForwardCaching.of(layer.build()), prev);
                channels = c.nOut();
                height *= c.stride();
                width *= c.stride();
            } else if (spec instanceof LayerSpec.ToImage t) {
                g.addVertex(name, new PreprocessorVertex(
                        new FeedForwardToCnnPreProcessor(t.height(), t.width(), t.channels())), prev);
                channels = t.channels();
                height = t.height();
                width = t.width();
            } else if (spec instanceof LayerSpec.BatchNorm) {
                g.addLayer(name, new BatchNormalization.Builder().build(), prev);
            } else if (spec instanceof LayerSpec.Activation a) {
                g.addLayer(name, new ActivationLayer.Builder().activation(Architecture.activation(a.activation())).build(), prev);
            } else if (spec instanceof LayerSpec.GlobalMeanPool) {
                g.addLayer(name, new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), prev);
                height = 0;
                width = 0;
            } else if (spec instanceof LayerSpec.ResBlock r) {
                resBlock(g, name, r, prev, channels);
                channels = r.nOut();
                height = 0; // resblocks keep DL4J's 'Same' mode (3×3 stride 1: odd k − s, no explicit form)
                width = 0;
            } else {
                throw new IllegalArgumentException("graph builder: unknown layer " + spec.describe());
            }
            prev = name;
        }
        g.setOutputs(prev);
        g.setInputTypes(arch.input().isImage()
                ? InputType.convolutional(arch.input().height(), arch.input().width(), arch.input().channels())
                : InputType.feedForward(arch.input().length()));
        ComputationGraph net = new ComputationGraph(g.build());
        net.init();
        net.initGradientsView();
        return net;
    }

    private static org.deeplearning4j.nn.conf.layers.Layer conv(int kernel, int nOut, Act act, WeightInit init) {
        return ForwardCaching.of(new ConvolutionLayer.Builder(kernel, kernel).stride(1, 1).nOut(nOut)
                .activation(Architecture.activation(act)).weightInit(init).build());
    }

    private static SubsamplingLayer meanPool() {
        return new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.AVG).kernelSize(2, 2).stride(2, 2).build();
    }

    private static ActivationLayer relu() {
        return new ActivationLayer.Builder().activation(Architecture.activation(Act.RELU)).build();
    }

    /** Adds block {@code r} fed by {@code in}; its output vertex is named {@code name}. */
    private static void resBlock(ComputationGraphConfiguration.GraphBuilder g, String name, LayerSpec.ResBlock r,
                                 String in, int nIn) {
        int nOut = r.nOut();
        String p = name + "_";
        String shortcut;
        String main;
        switch (r.kind()) {
            case "up" -> {
                String x = in;
                if (r.batchNorm()) {
                    g.addLayer(p + "bn1", new BatchNormalization.Builder().build(), x);
                    x = p + "bn1";
                }
                g.addLayer(p + "relu1", relu(), x);
                g.addLayer(p + "up1", new Upsampling2D.Builder(2).build(), p + "relu1");
                g.addLayer(p + "conv1", conv(3, nOut, Act.IDENTITY, WeightInit.RELU), p + "up1");
                x = p + "conv1";
                if (r.batchNorm()) {
                    g.addLayer(p + "bn2", new BatchNormalization.Builder().build(), x);
                    x = p + "bn2";
                }
                g.addLayer(p + "relu2", relu(), x);
                g.addLayer(p + "conv2", conv(3, nOut, Act.IDENTITY, WeightInit.RELU), p + "relu2");
                main = p + "conv2";
                g.addLayer(p + "sup", new Upsampling2D.Builder(2).build(), in);
                g.addLayer(p + "sconv", conv(1, nOut, Act.IDENTITY, WeightInit.XAVIER), p + "sup");
                shortcut = p + "sconv";
            }
            case "down", "none" -> {
                if (r.batchNorm()) {
                    throw new IllegalArgumentException("resblock " + r.kind() + " has no batch-norm variant here");
                }
                boolean down = r.kind().equals("down");
                g.addLayer(p + "relu1", relu(), in);
                // conv1 keeps the input width when down-sampling (reference: ConvMeanPool after a width-preserving conv)
                g.addLayer(p + "conv1", conv(3, down ? nIn : nOut, Act.RELU, WeightInit.RELU), p + "relu1");
                g.addLayer(p + "conv2", conv(3, nOut, Act.IDENTITY, WeightInit.RELU), p + "conv1");
                main = p + "conv2";
                if (down) {
                    g.addLayer(p + "pool", meanPool(), main);
                    main = p + "pool";
                    g.addLayer(p + "spool", meanPool(), in);
                    g.addLayer(p + "sconv", conv(1, nOut, Act.IDENTITY, WeightInit.XAVIER), p + "spool");
                    shortcut = p + "sconv";
                } else if (nIn != nOut) {
                    g.addLayer(p + "sconv", conv(1, nOut, Act.IDENTITY, WeightInit.XAVIER), in);
                    shortcut = p + "sconv";
                } else {
                    shortcut = in;
                }
            }
            case "first" -> {
                g.addLayer(p + "conv1", conv(3, nOut, Act.RELU, WeightInit.RELU), in);
                g.addLayer(p + "conv2", conv(3, nOut, Act.IDENTITY, WeightInit.RELU), p + "conv1");
                g.addLayer(p + "pool", meanPool(), p + "conv2");
                main = p + "pool";
                g.addLayer(p + "spool", meanPool(), in);
                g.addLayer(p + "sconv", conv(1, nOut, Act.IDENTITY, WeightInit.XAVIER), p + "spool");
                shortcut = p + "sconv";
            }
            default -> throw new IllegalArgumentException("resblock kind " + r.kind());
        }
        g.addVertex(name, new ElementWiseVertex(ElementWiseVertex.Op.Add), main, shortcut);
    }
}
