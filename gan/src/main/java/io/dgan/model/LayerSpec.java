package io.dgan.model;

/**
 * One layer of an {@link Architecture}. The canonical text of each spec enters the layout hash, so two workers whose
 * specs print the same also lay out their flat parameter vectors identically.
 */
public sealed interface LayerSpec {

    /** Canonical one-line description, stable across releases (it is hashed). */
    String describe();

    /** Fully connected layer; parameters W (nIn×nOut, 'f' order) then b. */
    record Dense(int nOut, Act activation) implements LayerSpec {
        public String describe() {
            return "dense(nOut=" + nOut + ",act=" + activation.describe() + ")";
        }
    }

    /** 2-D convolution, 'Same' padding; parameters b then W (DL4J stores conv bias first). */
    record Conv(int nOut, int kernel, int stride, Act activation) implements LayerSpec {
        public String describe() {
            return "conv(nOut=" + nOut + ",k=" + kernel + ",s=" + stride + ",act=" + activation.describe() + ")";
        }
    }

    /** Transposed convolution, 'Same' padding: spatial size × stride; parameters b then W. */
    record Deconv(int nOut, int kernel, int stride, Act activation) implements LayerSpec {
        public String describe() {
            return "deconv(nOut=" + nOut + ",k=" + kernel + ",s=" + stride + ",act=" + activation.describe() + ")";
        }
    }

    /** Reshape a flat vector into channels×height×width before the next (convolutional) layer; no parameters. */
    record ToImage(int channels, int height, int width) implements LayerSpec {
        public String describe() {
            return "toImage(c=" + channels + ",h=" + height + ",w=" + width + ")";
        }
    }

    /**
     * A residual block of the WGAN-GP ResNet (Gulrajani et al. 2017), 3×3 convolutions, 'Same' padding, ReLU.
     * {@code kind}: "up" (generator: [BN] ReLU, ×2 nearest-neighbour upsample, conv, [BN] ReLU, conv; shortcut
     * upsample + conv 1×1), "down" (critic: ReLU, conv, ReLU, conv, 2×2 mean pool; shortcut mean pool + conv 1×1),
     * "none" (ReLU, conv, ReLU, conv; identity shortcut when channels do not change), "first" (the critic's first
     * block: conv, ReLU, conv, mean pool; shortcut mean pool + conv 1×1). Built as a DL4J ComputationGraph.
     */
    record ResBlock(String kind, int nOut, boolean batchNorm) implements LayerSpec {
        public ResBlock {
            if (!java.util.List.of("up", "down", "none", "first").contains(kind)) {
                throw new IllegalArgumentException("resblock kind must be up, down, none or first, got " + kind);
            }
        }

        public String describe() {
            return "resblock(" + kind + ",nOut=" + nOut + ",k=3" + (batchNorm ? ",bn" : "") + ")";
        }
    }

    /** Batch normalisation over channels (γ, β; DL4J also keeps running mean and log10 std in the parameters). */
    record BatchNorm() implements LayerSpec {
        public String describe() {
            return "batchnorm";
        }
    }

    /** An activation alone (no parameters). */
    record Activation(Act activation) implements LayerSpec {
        public String describe() {
            return "act(" + activation.describe() + ")";
        }
    }

    /** Mean over the spatial dimensions: channels×h×w → channels (no parameters). */
    record GlobalMeanPool() implements LayerSpec {
        public String describe() {
            return "globalMeanPool";
        }
    }

    /** Whether a spec needs the graph builder (residual connections, or layers only the graph builder knows). */
    static boolean needsGraph(LayerSpec spec) {
        return spec instanceof ResBlock || spec instanceof BatchNorm || spec instanceof Activation
                || spec instanceof GlobalMeanPool;
    }

    /** Activation functions used by the models here. */
    record Act(String name, double alpha) {
        public static final Act IDENTITY = new Act("identity", 0);
        public static final Act RELU = new Act("relu", 0);
        public static final Act TANH = new Act("tanh", 0);

        public static Act leakyRelu(double alpha) {
            return new Act("leakyrelu", alpha);
        }

        String describe() {
            return alpha == 0 ? name : name + "(" + alpha + ")";
        }
    }
}
