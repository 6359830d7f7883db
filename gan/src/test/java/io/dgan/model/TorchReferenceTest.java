package io.dgan.model;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * The DCGAN pair computes what the same networks compute in PyTorch (nn.Linear, nn.ConvTranspose2d(k=4, s=2, p=1),
 * nn.BatchNorm2d in training mode, nn.Conv2d(k=4, s=2, p=1), LeakyReLU(0.2), Unflatten/Flatten): same parameters in
 * both (set from one formula, in PyTorch's element order), same noise; compared are the generated images, the
 * discriminator's scores, and projections of every parameter gradient of sum(D(G(z))). This pins everything a silent
 * layout bug would break: the dense→image reshape order, the transposed convolutions' padding/cropping alignment,
 * kernel layouts (DL4J's dense W is PyTorch's weight transposed), batch norm's statistics, the image flattening in
 * front of D's dense layer. The reference numbers come from src/test/python/dcgan_torch_reference.py (float64).
 */
class TorchReferenceTest {
    private static final int WIDTH = 4;

    private static double f(int tensor, int k) {
        return 0.1 * Math.sin(0.37 * k + 1.3 * tensor);
    }

    private static double h(int k) {
        return Math.cos(0.11 * k);
    }

    /** A trained parameter of one DL4J layer and how its elements map onto PyTorch's tensor. */
    private record Param(INDArray array, boolean denseWeight, boolean gamma) {
        /** The array's elements in PyTorch's order (row-major over PyTorch's shape). */
        double[] torchOrder(INDArray values) {
            INDArray v = denseWeight ? values.transpose() : values;
            return v.dup('c').reshape(v.length()).toDoubleVector();
        }

        void set(double[] torchFlat) {
            INDArray v;
            if (denseWeight) { // DL4J [nIn, nOut], PyTorch [nOut, nIn]
                v = Nd4j.create(torchFlat, new long[]{array.size(1), array.size(0)}, 'c').transpose();
            } else {
                v = Nd4j.create(torchFlat, array.shape(), 'c');
            }
            array.assign(v.castTo(array.dataType()));
        }
    }

    /** Trained parameters in PyTorch's named_parameters() order: per layer W then b (γ then β for batch norm). */
    private static List<Param> params(ModelNetwork net) {
        List<Param> out = new ArrayList<>();
        for (Layer layer : net.layers()) {
            Map<String, INDArray> t = layer.paramTable();
            if (t.isEmpty()) {
                continue;
            }
            if (layer.conf().getLayer() instanceof BatchNormalization) {
                out.add(new Param(t.get("gamma"), false, true));
                out.add(new Param(t.get("beta"), false, false));
            } else {
                out.add(new Param(t.get("W"), layer.conf().getLayer() instanceof DenseLayer, false));
                out.add(new Param(t.get("b"), false, false));
            }
        }
        return out;
    }

    private static INDArray gradientOf(ModelNetwork net, INDArray param) {
        long offset = param.offset() - net.params().offset();
        INDArray flat = net.gradients().reshape(net.gradients().length());
        return flat.get(NDArrayIndex.interval(offset, offset + param.length())).dup().reshape(param.ordering(), param.shape());
    }

    @Test
    void dcganPairMatchesPyTorch() throws IOException {
        Map<String, double[]> ref = new HashMap<>();
        Map<String, Integer> refLength = new HashMap<>();
        try (InputStream in = getClass().getResourceAsStream("dcgan-torch-reference.txt")) {
            assertThat(in).as("reference file").isNotNull();
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                String[] w = line.trim().split(" ");
                if (w[0].startsWith("grad")) { // gradG <index> <torch name> <length> <projection>
                    ref.put(w[0] + w[1], new double[]{Double.parseDouble(w[4])});
                    refLength.put(w[0] + w[1], Integer.parseInt(w[3]));
                } else {
                    ref.put(w[0], Arrays.stream(w, 1, w.length).mapToDouble(Double::parseDouble).toArray());
                }
            }
        }
        Shape image = Shape.image(1, 28, 28);
        GanModel m = GanModels.create("dcgan", GanModels.dcganGenerator(100, image, WIDTH),
                GanModels.dcganDiscriminator(image, WIDTH), 1, DataType.DOUBLE);
        Map<String, List<Param>> players = Map.of("G", params(m.generator()), "D", params(m.discriminator()));
        for (List<Param> ps : players.values()) {
            for (int t = 0; t < ps.size(); t++) {
                double[] v = new double[(int) ps.get(t).array().length()];
                for (int k = 0; k < v.length; k++) {
                    v[k] = (ps.get(t).gamma() ? 1 : 0) + f(t, k);
                }
                ps.get(t).set(v);
            }
        }
        double[] zv = new double[3 * 100];
        for (int i = 0; i < 3; i++) {
            for (int j = 0; j < 100; j++) {
                zv[i * 100 + j] = 1.5 * Math.sin(0.1 * (i * 100 + j) + 0.5);
            }
        }
        INDArray z = Nd4j.create(zv, new long[]{3, 100}, 'c');

        INDArray x = m.generator().forward(z, true).dup();
        assertThat(x.shape()).containsExactly(3, 1, 28, 28);
        assertClose("G(z)", x.dup('c').reshape(x.length()).toDoubleVector(), ref.get("x"), 1e-7);
        INDArray s = m.discriminator().forward(x, true).dup();
        assertClose("D(G(z))", s.reshape(3).toDoubleVector(), ref.get("s"), 1e-7);

        INDArray dx = m.discriminator().backward(Nd4j.ones(DataType.DOUBLE, 3, 1)).dup();
        m.generator().backward(dx);
        for (String who : List.of("G", "D")) {
            ModelNetwork net = who.equals("G") ? m.generator() : m.discriminator();
            List<Param> ps = players.get(who);
            assertThat(ps).as(who + " tensors").hasSize(who.equals("G") ? 10 : 6);
            for (int t = 0; t < ps.size(); t++) {
                String key = "grad" + who + t;
                double[] g = ps.get(t).torchOrder(gradientOf(net, ps.get(t).array()));
                assertThat(g.length).as(key + " length").isEqualTo(refLength.get(key));
                double projection = 0;
                for (int k = 0; k < g.length; k++) {
                    projection += h(k) * g[k];
                }
                double expected = ref.get(key)[0];
                assertThat(projection).as(key).isCloseTo(expected, within(1e-7 + 1e-6 * Math.abs(expected)));
            }
        }
    }

    private static void assertClose(String what, double[] actual, double[] expected, double tolerance) {
        assertThat(actual).as(what + " length").hasSize(expected.length);
        double worst = 0;
        double scale = 0;
        for (int i = 0; i < actual.length; i++) {
            worst = Math.max(worst, Math.abs(actual[i] - expected[i]));
            scale = Math.max(scale, Math.abs(expected[i]));
        }
        assertThat(scale).as(what + ": not a comparison of zeros").isGreaterThan(1e-3);
        assertThat(worst).as(what + ": max |DL4J - PyTorch|").isLessThan(tolerance);
    }
}
