package io.dgan.model;

import io.dgan.model.LayerSpec.Act;
import io.dgan.model.LayerSpec.Conv;
import io.dgan.model.LayerSpec.Deconv;
import io.dgan.model.LayerSpec.Dense;
import io.dgan.model.LayerSpec.ToImage;
import org.nd4j.linalg.api.buffer.DataType;

import java.util.ArrayList;
import java.util.List;

/** The model zoo: architecture pairs by name, for a given sample shape. */
public final class GanModels {
    public static final List<String> NAMES = List.of("mlp", "dcgan", "dcgan-small", "resnet-wgan-gp");
    /** Suffix of a model name that turns on spectral normalisation of the discriminator: "dcgan+sn". */
    public static final String SPECTRAL_NORM_SUFFIX = "+sn";

    private GanModels() {
    }

    /** MLP generator for low-dimensional data (2-D mixtures): noise → hidden ReLU layers → linear output. */
    public static Architecture mlpGenerator(int noiseDim, int hidden, int depth, int outDim) {
        List<LayerSpec> layers = new ArrayList<>();
        for (int i = 0; i < depth; i++) {
            layers.add(new Dense(hidden, Act.RELU));
        }
        layers.add(new Dense(outDim, Act.IDENTITY));
        return new Architecture("mlp-G", Shape.vector(noiseDim), layers, 0);
    }

    /** MLP discriminator: sample → hidden LeakyReLU(0.2) layers → one linear score. */
    public static Architecture mlpDiscriminator(int inDim, int hidden, int depth) {
        List<LayerSpec> layers = new ArrayList<>();
        for (int i = 0; i < depth; i++) {
            layers.add(new Dense(hidden, Act.leakyRelu(0.2)));
        }
        layers.add(new Dense(1, Act.IDENTITY));
        return new Architecture("mlp-D", Shape.vector(inDim), layers, 0);
    }

    /**
     * DCGAN generator for square images of side 28 (two ×2 up-samplings from 7) or 32 (three from 4), as in Radford
     * et al.: a dense layer to a small feature map, transposed convolutions 4×4 stride 2, each hidden feature map
     * batch-normalised (per channel) before its ReLU, tanh output in [-1, 1]. Batch norm as in the ResNet generator
     * ({@link GraphNetwork}): γ and β are trained (and gossiped) like weights; the running statistics DL4J keeps in
     * the flat vector are updated from each training batch (not by the optimizer) and gossiped with G; training
     * passes use batch statistics, sampling and evaluation the running statistics.
     */
    public static Architecture dcganGenerator(int noiseDim, Shape image, int width) {
        return dcganGenerator(noiseDim, image, width, true);
    }

    /**
     * As above; {@code batchNorm} false gives the earlier generator without batch norm (a plain layer stack: on
     * Fashion-MNIST it learned slowly, with blob-like, checkerboarded samples after 1,750 iterations; docs/gan.md).
     */
    public static Architecture dcganGenerator(int noiseDim, Shape image, int width, boolean batchNorm) {
        int side = image.height();
        List<LayerSpec> layers = new ArrayList<>();
        Act hidden = batchNorm ? Act.IDENTITY : Act.RELU;
        int start;
        int channels;
        if (side == 28) {
            start = 7;
            channels = 2 * width;
        } else if (side == 32) {
            start = 4;
            channels = 4 * width;
        } else {
            throw new IllegalArgumentException("dcgan supports 28x28 or 32x32 images, got " + image.describe());
        }
        layers.add(new Dense(start * start * channels, hidden));
        layers.add(new ToImage(channels, start, start));
        for (int size = start; size < side / 2; size *= 2) {
            if (batchNorm) {
                layers.add(new LayerSpec.BatchNorm());
                layers.add(new LayerSpec.Activation(Act.RELU));
            }
            channels /= 2;
            layers.add(new Deconv(channels, 4, 2, hidden));
        }
        if (batchNorm) {
            layers.add(new LayerSpec.BatchNorm());
            layers.add(new LayerSpec.Activation(Act.RELU));
        }
        layers.add(new Deconv(image.channels(), 4, 2, Act.TANH));
        return new Architecture("dcgan" + side + "-G", Shape.vector(noiseDim), layers, 0.02);
    }

    /** DCGAN discriminator: convolutions 4×4 stride 2 with LeakyReLU(0.2), then one linear score. */
    public static Architecture dcganDiscriminator(Shape image, int width) {
        int side = image.height();
        List<LayerSpec> layers = new ArrayList<>();
        layers.add(new Conv(width, 4, 2, Act.leakyRelu(0.2)));
        layers.add(new Conv(2 * width, 4, 2, Act.leakyRelu(0.2)));
        if (side == 32) {
            layers.add(new Conv(4 * width, 4, 2, Act.leakyRelu(0.2)));
        } else if (side != 28) {
            throw new IllegalArgumentException("dcgan supports 28x28 or 32x32 images, got " + image.describe());
        }
        layers.add(new Dense(1, Act.IDENTITY));
        return new Architecture("dcgan" + side + "-D", image, layers, 0.02);
    }

    /**
     * The ResNet generator of WGAN-GP (Gulrajani et al. 2017, gan_cifar_resnet.py) for square images of side 32
     * (the paper's CIFAR-10 model: 4×4 start, three up-sampling blocks) or 28 (7×7 start, two blocks; for
     * Fashion-MNIST/MNIST): noise → linear → width×s×s → residual up-blocks with batch norm (pre-activation) → BN,
     * ReLU, conv 3×3 → channels, tanh.
     */
    public static Architecture resnetGenerator(int noiseDim, Shape image, int width) {
        int side = image.height();
        int ups = side % 8 == 0 ? 3 : side % 4 == 0 ? 2 : -1;
        if (!image.isImage() || image.width() != side || ups < 0) {
            throw new IllegalArgumentException("resnet-wgan-gp needs square images whose side is a multiple of 4 "
                    + "(32: CIFAR-10, 28: Fashion-MNIST), got " + image.describe());
        }
        int start = side >> ups;
        List<LayerSpec> layers = new ArrayList<>();
        layers.add(new Dense(start * start * width, Act.IDENTITY));
        layers.add(new ToImage(width, start, start));
        for (int i = 0; i < ups; i++) {
            layers.add(new LayerSpec.ResBlock("up", width, true));
        }
        layers.add(new LayerSpec.BatchNorm());
        layers.add(new LayerSpec.Activation(Act.RELU));
        layers.add(new Conv(image.channels(), 3, 1, Act.TANH));
        return new Architecture("resnet" + side + "-G", Shape.vector(noiseDim), layers, 0);
    }

    /**
     * The ResNet critic of WGAN-GP (no batch norm): first block (conv, ReLU, conv, mean pool; shortcut mean pool +
     * conv 1×1), a down-sampling block, two plain blocks, ReLU, global mean pool, linear → 1. Any square image side
     * divisible by 4.
     */
    public static Architecture resnetCritic(Shape image, int width) {
        if (!image.isImage() || image.height() != image.width() || image.height() % 4 != 0) {
            throw new IllegalArgumentException("resnet-wgan-gp needs square images whose side is a multiple of 4, got "
                    + image.describe());
        }
        List<LayerSpec> layers = List.of(
                new LayerSpec.ResBlock("first", width, false),
                new LayerSpec.ResBlock("down", width, false),
                new LayerSpec.ResBlock("none", width, false),
                new LayerSpec.ResBlock("none", width, false),
                new LayerSpec.Activation(Act.RELU),
                new LayerSpec.GlobalMeanPool(),
                new Dense(1, Act.IDENTITY));
        return new Architecture("resnet" + image.height() + "-D", image, layers, 0);
    }

    /** Whether {@code name} is a model name: one of {@link #NAMES}, optionally followed by "+sn". */
    public static boolean isValid(String name) {
        return name != null && NAMES.contains(baseName(name));
    }

    /** The model name without the spectral-norm suffix. */
    public static String baseName(String name) {
        return name.endsWith(SPECTRAL_NORM_SUFFIX) ? name.substring(0, name.length() - SPECTRAL_NORM_SUFFIX.length()) : name;
    }

    /** "dcgan" + spectral norm → "dcgan+sn" (idempotent). */
    public static String withSpectralNorm(String name, boolean on) {
        return on && !name.endsWith(SPECTRAL_NORM_SUFFIX) ? name + SPECTRAL_NORM_SUFFIX : name;
    }

    /**
     * Builds a model pair by name. {@code mlp}: noise 16, 3 hidden layers of 128 (G) and 2 of 128 (D).
     * {@code dcgan}: noise 100, width 64 (G 766k, D 139k parameters on 28×28). {@code dcgan-small}: the same with
     * width 32 (about a quarter of the arithmetic), for CPU-starved runs. {@code resnet-wgan-gp}: noise 128,
     * width 128 (32×32: G 1,204,483 trained parameters + 1,792 BN running statistics, D 1,053,825). A "+sn" suffix
     * spectrally normalises the discriminator.
     */
    public static GanModel create(String kind, Shape sampleShape, long seed) {
        Architecture[] gd = architectures(kind, sampleShape);
        return create(kind, gd[0], gd[1], seed);
    }

    /** The [generator, discriminator] architectures of a model name (see {@link #create(String, Shape, long)}). */
    public static Architecture[] architectures(String kind, Shape sampleShape) {
        if (kind.endsWith(SPECTRAL_NORM_SUFFIX)) {
            Architecture[] plain = architectures(baseName(kind), sampleShape);
            return new Architecture[]{plain[0], plain[1].withSpectralNorm()};
        }
        return switch (kind) {
            case "mlp" -> {
                if (sampleShape.isImage()) {
                    throw new IllegalArgumentException("model mlp expects vector data, got " + sampleShape.describe());
                }
                yield new Architecture[]{mlpGenerator(16, 128, 3, sampleShape.length()),
                        mlpDiscriminator(sampleShape.length(), 128, 2)};
            }
            case "dcgan", "dcgan-small" -> {
                if (!sampleShape.isImage() || sampleShape.height() != sampleShape.width()) {
                    throw new IllegalArgumentException("model " + kind + " expects square images, got " + sampleShape.describe());
                }
                int width = kind.equals("dcgan") ? 64 : 32;
                yield new Architecture[]{dcganGenerator(100, sampleShape, width), dcganDiscriminator(sampleShape, width)};
            }
            case "resnet-wgan-gp" -> new Architecture[]{resnetGenerator(128, sampleShape, 128), resnetCritic(sampleShape, 128)};
            default -> throw new IllegalArgumentException("--model: expected one of " + NAMES
                    + " (optionally with " + SPECTRAL_NORM_SUFFIX + "), got '" + kind + "'");
        };
    }

    /** Builds a pair from explicit architectures. G and D get distinct seeds derived from {@code seed}. */
    public static GanModel create(String kind, Architecture g, Architecture d, long seed) {
        return create(kind, g, d, seed, DataType.FLOAT);
    }

    /** As above in a given precision (double for gradient checks; training needs FLOAT players). */
    public static GanModel create(String kind, Architecture g, Architecture d, long seed, DataType dataType) {
        ModelNetwork gen = new ModelNetwork(g, seed * 2 + 1, dataType);
        ModelNetwork disc = new ModelNetwork(d, seed * 2 + 2, dataType);
        Shape sample = d.input();
        return new GanModel(kind, gen, disc, g.input().length(), sample);
    }
}
