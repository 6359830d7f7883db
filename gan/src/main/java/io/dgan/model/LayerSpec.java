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
