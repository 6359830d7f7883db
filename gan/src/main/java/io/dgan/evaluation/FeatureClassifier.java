package io.dgan.evaluation;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.dgan.data.ImageDataset;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The small CNN whose penultimate layer (128 ReLU units) gives the features for FID/KID and whose softmax gives the
 * classifier-based inception score. Trained here on the dataset's own training split; these scores are therefore
 * NOT comparable with FID/IS numbers computed with Inception-v3 in the literature, only with each other.
 *
 * <p>Stored as {@code dir/classifier.zip} (DL4J model) plus {@code dir/classifier.json} (dataset, test accuracy,
 * epochs, seed). Default directory: {@code $DGAN_CACHE_DIR/classifier/<dataset>}, else
 * {@code ~/.cache/dgan/classifier/<dataset>}.
 */
public final class FeatureClassifier {
    /** Index of the 128-unit feature layer. */
    private static final int FEATURE_LAYER = 4;
    private final MultiLayerNetwork net;
    private final Map<String, Object> info;

    private FeatureClassifier(MultiLayerNetwork net, Map<String, Object> info) {
        this.net = net;
        this.info = info;
    }

    public static Path defaultDir(String dataset) {
        String base = System.getenv("DGAN_CACHE_DIR");
        Path root = base != null && !base.isBlank() ? Path.of(base)
                : Path.of(System.getProperty("user.home"), ".cache", "dgan");
        return root.resolve("classifier").resolve(dataset);
    }

    static MultiLayerConfiguration configuration(int channels, int side, int classes, long seed) {
        return new NeuralNetConfiguration.Builder()
                .seed(seed)
                .dataType(DataType.FLOAT)
                .updater(new Adam(1e-3))
                .weightInit(WeightInit.RELU)
                .trainingWorkspaceMode(WorkspaceMode.ENABLED)
                .inferenceWorkspaceMode(WorkspaceMode.ENABLED)
                .convolutionMode(ConvolutionMode.Same)
                .list()
                .layer(new ConvolutionLayer.Builder(3, 3).nOut(16).activation(Activation.RELU).build())
                .layer(new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).kernelSize(2, 2).stride(2, 2).build())
                .layer(new ConvolutionLayer.Builder(3, 3).nOut(32).activation(Activation.RELU).build())
                .layer(new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).kernelSize(2, 2).stride(2, 2).build())
                .layer(new DenseLayer.Builder().nOut(128).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(classes)
                        .activation(Activation.SOFTMAX).build())
                .setInputType(InputType.convolutional(side, side, channels))
                .build();
    }

    /** Trains with Adam (lr 1e-3), minibatches of 128 drawn by a seeded shuffle each epoch. */
    public static FeatureClassifier train(ImageDataset trainSet, ImageDataset testSet, int epochs, long seed, PrintStream log) {
        io.dgan.model.NativeBackend.configure(); // the same convolution path whatever was built before in this JVM
        MultiLayerNetwork net = new MultiLayerNetwork(configuration(trainSet.shape().channels(), trainSet.shape().height(),
                trainSet.classes(), seed));
        net.init();
        int n = trainSet.size();
        int batch = 128;
        SplittableRandom rng = new SplittableRandom(seed);
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        long t0 = System.nanoTime();
        for (int e = 0; e < epochs; e++) {
            for (int i = n - 1; i > 0; i--) {
                int j = rng.nextInt(i + 1);
                int t = order[i];
                order[i] = order[j];
                order[j] = t;
            }
            for (int from = 0, step = 0; from < n; from += batch, step++) {
                int size = Math.min(batch, n - from);
                int[] idx = java.util.Arrays.copyOfRange(order, from, from + size);
                net.fit(new DataSet(images(trainSet, idx), oneHot(trainSet, idx)));
                if (step % 50 == 0) {
                    log.printf("classifier epoch %d/%d  %d/%d  loss %.4f  (%.0f s)%n", e + 1, epochs, from, n,
                            net.score(), (System.nanoTime() - t0) / 1e9);
                }
                if (step % 20 == 0) {
                    System.gc();
                }
            }
        }
        FeatureClassifier c = new FeatureClassifier(net, Map.of());
        double acc = c.accuracy(testSet);
        return new FeatureClassifier(net, Map.of("dataset", trainSet.name(), "testAccuracy", acc, "epochs", epochs,
                "seed", seed, "trainSeconds", (System.nanoTime() - t0) / 1e9));
    }

    public Map<String, Object> info() {
        return info;
    }

    public void save(Path dir) {
        try {
            Files.createDirectories(dir);
            Path tmp = dir.resolve("classifier.zip.tmp");
            ModelSerializer.writeModel(net, tmp.toFile(), false);
            Files.move(tmp, dir.resolve("classifier.zip"), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(dir.resolve("classifier.json").toFile(), info);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot save the classifier to " + dir, e);
        }
    }

    /** Loads a saved classifier, or returns null when {@code dir} has none. */
    @SuppressWarnings("unchecked")
    public static FeatureClassifier loadIfPresent(Path dir) {
        Path zip = dir.resolve("classifier.zip");
        if (!Files.exists(zip)) {
            return null;
        }
        try {
            io.dgan.model.NativeBackend.configure();
            MultiLayerNetwork net = ModelSerializer.restoreMultiLayerNetwork(zip.toFile(), false);
            Path json = dir.resolve("classifier.json");
            Map<String, Object> info = Files.exists(json) ? new ObjectMapper().readValue(json.toFile(), Map.class) : Map.of();
            return new FeatureClassifier(net, info);
        } catch (IOException e) {
            throw new IllegalArgumentException(zip + ": cannot load the classifier (" + e.getMessage() + ")", e);
        }
    }

    /** Penultimate-layer features of a batch [N, C, H, W] in [-1, 1], as rows. */
    public double[][] features(INDArray images) {
        return rows(batched(images, true));
    }

    /** Class probabilities of a batch, as rows. */
    public double[][] probabilities(INDArray images) {
        return rows(batched(images, false));
    }

    private INDArray batched(INDArray images, boolean features) {
        int n = (int) images.size(0);
        List<INDArray> parts = new java.util.ArrayList<>();
        for (int from = 0; from < n; from += 500) {
            INDArray part = images.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(from, Math.min(n, from + 500)));
            if (features) {
                List<INDArray> acts = net.feedForwardToLayer(FEATURE_LAYER, part, false);
                parts.add(acts.get(acts.size() - 1).dup());
            } else {
                parts.add(net.output(part, false).dup());
            }
        }
        return Nd4j.concat(0, parts.toArray(new INDArray[0]));
    }

    public double accuracy(ImageDataset testSet) {
        int correct = 0;
        int n = testSet.size();
        for (int from = 0; from < n; from += 500) {
            int size = Math.min(500, n - from);
            int[] idx = new int[size];
            for (int i = 0; i < size; i++) {
                idx[i] = from + i;
            }
            INDArray out = net.output(images(testSet, idx), false);
            INDArray pred = out.argMax(1);
            for (int i = 0; i < size; i++) {
                if (pred.getInt(i) == testSet.labels()[from + i]) {
                    correct++;
                }
            }
        }
        return (double) correct / n;
    }

    public static INDArray images(ImageDataset d, int[] idx) {
        int len = d.shape().length();
        float[] buf = new float[idx.length * len];
        for (int i = 0; i < idx.length; i++) {
            d.copyImage(idx[i], buf, i * len);
        }
        return Nd4j.create(buf, d.shape().batchShape(idx.length));
    }

    private static INDArray oneHot(ImageDataset d, int[] idx) {
        INDArray y = Nd4j.zeros(DataType.FLOAT, idx.length, d.classes());
        for (int i = 0; i < idx.length; i++) {
            y.putScalar(i, d.labels()[idx[i]], 1f);
        }
        return y;
    }

    private static double[][] rows(INDArray a) {
        return a.castTo(DataType.DOUBLE).toDoubleMatrix();
    }
}
