package io.dgan.model;

import io.dgan.model.layers.ForwardCaching;
import io.dgan.model.layers.LeakyReLUActivation;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.conf.distribution.NormalDistribution;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.Deconvolution2D;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.preprocessor.FeedForwardToCnnPreProcessor;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.activations.impl.ActivationReLU;
import org.nd4j.linalg.activations.impl.ActivationTanH;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.NoOp;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;

/**
 * The single description of a network: it builds the DL4J network and yields the layout hash that peers compare
 * before exchanging flat parameter vectors (same hash ⇒ same length and same order of parameters).
 *
 * @param name       e.g. "dcgan28-G"
 * @param input      shape of one input sample
 * @param layers     layers in order; the last one produces the output
 * @param initStdDev 0 for Xavier initialisation, else N(0, initStdDev²) weights (DCGAN uses 0.02)
 * @param spectralNorm whether the network computes with W/σ(W) for every weight W ({@link SpectralNorm}); the flat
 *                     parameter vector still holds the raw W, but peers must agree, so it enters the layout hash
 */
public record Architecture(String name, Shape input, List<LayerSpec> layers, double initStdDev, boolean spectralNorm) {

    public Architecture {
        layers = List.copyOf(layers);
        if (layers.isEmpty()) {
            throw new IllegalArgumentException("architecture " + name + " has no layers");
        }
    }

    public Architecture(String name, Shape input, List<LayerSpec> layers, double initStdDev) {
        this(name, input, layers, initStdDev, false);
    }

    /** The same network with spectral normalisation of its weights on. */
    public Architecture withSpectralNorm() {
        return new Architecture(name, input, layers, initStdDev, true);
    }

    /** Whether this needs a ComputationGraph (residual blocks) rather than a MultiLayerNetwork. */
    public boolean isGraph() {
        return layers.stream().anyMatch(LayerSpec::needsGraph);
    }

    /** Canonical text: everything that determines the parameter layout, and nothing else. */
    public String describe() {
        StringBuilder sb = new StringBuilder("arch:").append(name).append(";in=").append(input.describe());
        for (LayerSpec l : layers) {
            sb.append(';').append(l.describe());
        }
        if (spectralNorm) {
            sb.append(";spectralNorm");
        }
        return sb.toString();
    }

    /** First 8 bytes of SHA-256 of {@link #describe()} plus the data type name. */
    public long layoutHash(DataType dataType) {
        return hash64(describe() + ";dtype=" + dataType.name());
    }

    static long hash64(String text) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            long h = 0;
            for (int i = 0; i < 8; i++) {
                h = (h << 8) | (d[i] & 0xff);
            }
            return h;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** How convolution padding is expressed to DL4J; both give the same function (see {@link #samePadding}). */
    public enum Padding {
        /** Explicit symmetric padding wherever it equals 'Same' (the default: oneDNN runs it, see below). */
        EXPLICIT,
        /** DL4J's ConvolutionMode.Same everywhere (kept for the equivalence test). */
        SAME
    }

    /** Builds and initialises the network (training workspaces on, no DL4J updater: the optimizer is ours). */
    public MultiLayerNetwork build(long seed, DataType dataType) {
        return build(seed, dataType, Padding.EXPLICIT);
    }

    /**
     * 'Same' padding with stride s and kernel k pads k − s in total when the input size is a multiple of s (always,
     * for a transposed convolution); when k − s is even that is (k − s)/2 on each side, which DL4J's Truncate mode
     * with explicit padding computes identically. This matters for speed only: libnd4j's oneDNN deconv2d declines
     * isSameMode and falls back to a generic implementation ~7× slower (measured: 82 vs 11 ms for the DCGAN's
     * 128→64 layer, batch 64, 1 thread).
     *
     * @return the per-side padding, or −1 to keep DL4J's Same mode (odd k − s, unknown or indivisible size)
     */
    static int samePadding(int kernel, int stride, int height, int width, Padding padding) {
        if (padding == Padding.SAME || kernel < stride || (kernel - stride) % 2 != 0
                || height <= 0 || width <= 0 || height % stride != 0 || width % stride != 0) {
            return -1;
        }
        return (kernel - stride) / 2;
    }

    private static int ceilDiv(int a, int b) {
        return (a + b - 1) / b;
    }

    /** As {@link #build(long, DataType)} with a chosen way of expressing the padding. */
    public MultiLayerNetwork build(long seed, DataType dataType, Padding padding) {
        if (isGraph()) {
            throw new IllegalStateException(name + " has residual blocks: build it with GraphNetworks.build");
        }
        NativeBackend.configure();
        NeuralNetConfiguration.Builder b = new NeuralNetConfiguration.Builder()
                .seed(seed)
                .dataType(dataType)
                .updater(new NoOp())
                .trainingWorkspaceMode(WorkspaceMode.ENABLED)
                .inferenceWorkspaceMode(WorkspaceMode.ENABLED)
                .convolutionMode(ConvolutionMode.Same);
        if (initStdDev > 0) {
            b.weightInit(new NormalDistribution(0, initStdDev));
        } else {
            b.weightInit(WeightInit.XAVIER);
        }
        NeuralNetConfiguration.ListBuilder list = b.list();
        int index = 0;
        // Spatial size entering the next layer (0: not an image), to pick explicit padding where it equals 'Same'.
        int height = input.isImage() ? input.height() : 0;
        int width = input.isImage() ? input.width() : 0;
        for (LayerSpec spec : layers) {
            if (spec instanceof LayerSpec.Dense d) {
                list.layer(index++, ForwardCaching.of(new DenseLayer.Builder().nOut(d.nOut())
                        .activation(activation(d.activation())).build()));
                height = 0;
                width = 0;
            } else if (spec instanceof LayerSpec.Conv c) {
                ConvolutionLayer.Builder layer = new ConvolutionLayer.Builder(c.kernel(), c.kernel())
                        .stride(c.stride(), c.stride()).nOut(c.nOut()).activation(activation(c.activation()));
                int pad = samePadding(c.kernel(), c.stride(), height, width, padding);
                if (pad >= 0) {
                    layer.convolutionMode(ConvolutionMode.Truncate).padding(pad, pad);
                }
                list.layer(index++, ForwardCaching.of(layer.build()));
                height = ceilDiv(height, c.stride());
                width = ceilDiv(width, c.stride());
            } else if (spec instanceof LayerSpec.Deconv c) {
                Deconvolution2D.Builder layer = new Deconvolution2D.Builder(c.kernel(), c.kernel())
                        .stride(c.stride(), c.stride()).nOut(c.nOut()).activation(activation(c.activation()));
                // Transposed: 'Same' gives size × s from a total padding of k − s whatever the input size.
                int pad = samePadding(c.kernel(), c.stride(), c.stride(), c.stride(), padding);
                if (pad >= 0) {
                    layer.convolutionMode(ConvolutionMode.Truncate).padding(pad, pad);
                }
                list.layer(index++, ForwardCaching.of(layer.build()));
                height *= c.stride();
                width *= c.stride();
            } else if (spec instanceof LayerSpec.ToImage t) {
                list.inputPreProcessor(index, new FeedForwardToCnnPreProcessor(t.height(), t.width(), t.channels()));
                height = t.height();
                width = t.width();
            }
        }
        list.setInputType(input.isImage()
                ? InputType.convolutional(input.height(), input.width(), input.channels())
                : InputType.feedForward(input.length()));
        MultiLayerNetwork net = new MultiLayerNetwork(list.build());
        net.init();
        net.initGradientsView();
        return net;
    }

    static IActivation activation(LayerSpec.Act act) {
        return switch (act.name()) {
            case "identity" -> new ActivationIdentity();
            case "relu" -> new ActivationReLU();
            case "tanh" -> new ActivationTanH();
            case "leakyrelu" -> new LeakyReLUActivation(act.alpha());
            default -> throw new IllegalArgumentException("unknown activation " + act.name());
        };
    }
}
