package io.dgan.loss;

import io.dgan.model.ModelNetwork;
import io.dgan.model.SpectralNorm;
import org.deeplearning4j.nn.api.Layer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads the penalty fixtures written by scripts/gradient_penalty_fixtures.py (little-endian: "DGANFIX1", count, then
 * per tensor a name, rank, dims and float32 values in C order) and maps them onto a network: "param/&lt;layer&gt;.W"
 * names a DL4J layer by its graph vertex name or, in a layer stack, its index.
 */
final class PenaltyFixtures {
    record Tensor(long[] shape, float[] data) {
    }

    private PenaltyFixtures() {
    }

    static Map<String, Tensor> read(String resource) throws IOException {
        try (InputStream raw = PenaltyFixtures.class.getResourceAsStream(resource)) {
            if (raw == null) {
                throw new IOException("missing test resource " + resource);
            }
            byte[] all = raw.readAllBytes();
            ByteBuffer b = ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN);
            byte[] magic = new byte[8];
            b.get(magic);
            if (!new String(magic, StandardCharsets.US_ASCII).equals("DGANFIX1")) {
                throw new IOException(resource + ": not a DGANFIX1 file");
            }
            int count = b.getInt();
            Map<String, Tensor> out = new LinkedHashMap<>();
            for (int t = 0; t < count; t++) {
                byte[] name = new byte[b.getShort()];
                b.get(name);
                int rank = b.get();
                long[] shape = new long[rank];
                long n = 1;
                for (int i = 0; i < rank; i++) {
                    shape[i] = b.getInt();
                    n *= shape[i];
                }
                float[] data = new float[Math.toIntExact(n)];
                b.asFloatBuffer().get(data);
                b.position(b.position() + 4 * data.length);
                out.put(new String(name, StandardCharsets.UTF_8), new Tensor(shape, data));
            }
            return out;
        }
    }

    /** The layers of a network by fixture name: graph vertex name, or index in a layer stack. */
    static Map<String, Layer> layers(ModelNetwork net) {
        Map<String, Layer> out = new LinkedHashMap<>();
        Layer[] layers = net.layers();
        for (int i = 0; i < layers.length; i++) {
            out.put(net.architecture().isGraph() ? layers[i].conf().getLayer().getLayerName() : String.valueOf(i), layers[i]);
        }
        return out;
    }

    /** Offset of a layer's parameter in the flat vectors (the gradient vector has the same layout). */
    static long offset(ModelNetwork net, String name) {
        String layer = name.substring(0, name.lastIndexOf('.'));
        String key = name.substring(name.lastIndexOf('.') + 1);
        Layer l = layers(net).get(layer);
        if (l == null || l.paramTable().get(key) == null) {
            throw new IllegalArgumentException("no parameter " + name + " in " + net.architecture().name());
        }
        return l.paramTable().get(key).offset() - net.params().offset();
    }

    /** Writes every "param/…" tensor into the network and every "sn.u/…" into its spectral norm; checks coverage. */
    static void load(ModelNetwork net, Map<String, Tensor> fixture) {
        INDArray flat = net.params().reshape(net.params().length());
        long covered = 0;
        for (Map.Entry<String, Tensor> e : fixture.entrySet()) {
            if (e.getKey().startsWith("param/")) {
                long off = offset(net, e.getKey().substring("param/".length()));
                float[] d = e.getValue().data();
                for (int i = 0; i < d.length; i++) {
                    flat.putScalar(off + i, d[i]);
                }
                covered += d.length;
            }
        }
        if (covered != net.numParams()) {
            throw new IllegalStateException("fixture covers " + covered + " of " + net.numParams() + " parameters");
        }
        SpectralNorm sn = net.spectralNorm();
        if (sn != null) {
            Map<String, Layer> byName = layers(net);
            int pos = 0;
            for (int k = 0; k < sn.count(); k++) {
                String fixtureName = null;
                for (Map.Entry<String, Layer> e : byName.entrySet()) {
                    if (e.getValue().conf().getLayer().getLayerName().equals(sn.name(k))) {
                        fixtureName = e.getKey();
                    }
                }
                Tensor u = fixture.get("sn.u/" + fixtureName + ".W");
                if (u == null || u.data().length != sn.rows(k)) {
                    throw new IllegalStateException("fixture lacks u of " + fixtureName);
                }
                java.nio.FloatBuffer state = sn.state();
                state.position(pos);
                state.put(u.data());
                pos += sn.rows(k);
            }
        }
    }

    /** ‖net's gradient − fixture's "&lt;prefix&gt;/…"‖ / ‖fixture's‖ over all parameters. */
    static double relativeError(ModelNetwork net, Map<String, Tensor> fixture, String prefix) {
        INDArray flat = net.gradients().reshape(net.gradients().length());
        double diff = 0;
        double norm = 0;
        for (Map.Entry<String, Tensor> e : fixture.entrySet()) {
            if (e.getKey().startsWith(prefix + "/")) {
                long off = offset(net, e.getKey().substring(prefix.length() + 1));
                float[] d = e.getValue().data();
                for (int i = 0; i < d.length; i++) {
                    double g = flat.getDouble(off + i);
                    diff += (g - d[i]) * (g - d[i]);
                    norm += (double) d[i] * d[i];
                }
            }
        }
        if (!(norm > 0)) {
            throw new IllegalStateException("fixture " + prefix + " gradient is zero");
        }
        return Math.sqrt(diff / norm);
    }

    static INDArray input(Map<String, Tensor> fixture, org.nd4j.linalg.api.buffer.DataType type) {
        Tensor x = fixture.get("x");
        return Nd4j.create(x.data(), x.shape(), 'c').castTo(type);
    }

    static double scalar(Map<String, Tensor> fixture, String name) {
        return fixture.get(name).data()[0];
    }
}
