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
    public static final List<String> NAMES = List.of("mlp", "dcgan", "dcgan-small");

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
     * DCGAN generator for square images of side 28 (two ×2 up-samplings from 7) or 32 (three from 4): a dense layer
     * to a small feature map, transposed convolutions 4×4 stride 2 with ReLU, tanh output in [-1, 1]. No batch
     * normalisation: DL4J keeps BN running statistics inside the parameter vector, which gossip would average as if
     * they were weights.
     */
    public static Architecture dcganGenerator(int noiseDim, Shape image, int width) {
        int side = image.height();
        List<LayerSpec> layers = new ArrayList<>();
        if (side == 28) {
            layers.add(new Dense(7 * 7 * 2 * width, Act.RELU));
            layers.add(new ToImage(2 * width, 7, 7));
            layers.add(new Deconv(width, 4, 2, Act.RELU));
        } else if (side == 32) {
            layers.add(new Dense(4 * 4 * 4 * width, Act.RELU));
            layers.add(new ToImage(4 * width, 4, 4));
            layers.add(new Deconv(2 * width, 4, 2, Act.RELU));
            layers.add(new Deconv(width, 4, 2, Act.RELU));
        } else {
            throw new IllegalArgumentException("dcgan supports 28x28 or 32x32 images, got " + image.describe());
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
     * Builds a model pair by name. {@code mlp}: noise 16, 3 hidden layers of 128 (G) and 2 of 128 (D).
     * {@code dcgan}: noise 100, width 64 (G 766k, D 139k parameters on 28×28). {@code dcgan-small}: the same with
     * width 32 (about a quarter of the arithmetic), for CPU-starved runs.
     */
    public static GanModel create(String kind, Shape sampleShape, long seed) {
        return switch (kind) {
            case "mlp" -> {
                if (sampleShape.isImage()) {
                    throw new IllegalArgumentException("model mlp expects vector data, got " + sampleShape.describe());
                }
                yield create(kind, mlpGenerator(16, 128, 3, sampleShape.length()),
                        mlpDiscriminator(sampleShape.length(), 128, 2), seed);
            }
            case "dcgan", "dcgan-small" -> {
                if (!sampleShape.isImage() || sampleShape.height() != sampleShape.width()) {
                    throw new IllegalArgumentException("model " + kind + " expects square images, got " + sampleShape.describe());
                }
                int width = kind.equals("dcgan") ? 64 : 32;
                yield create(kind, dcganGenerator(100, sampleShape, width), dcganDiscriminator(sampleShape, width), seed);
            }
            default -> throw new IllegalArgumentException("--model: expected one of " + NAMES + ", got '" + kind + "'");
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
