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
import org.nd4j.linalg.schedule.ISchedule;
import org.nd4j.linalg.schedule.PolySchedule;
import org.nd4j.linalg.schedule.ScheduleType;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The small CNN ({@link #ARCHITECTURE}) whose penultimate layer (128 ReLU units) gives the features for FID/KID and whose softmax gives the
 * classifier-based inception score. Trained here on the dataset's own training split; these scores are therefore
 * NOT comparable with FID/IS numbers computed with Inception-v3 in the literature, only with each other.
 *
 * <p>Stored as {@code dir/classifier.zip} (DL4J model) plus {@code dir/classifier.json} (dataset, test accuracy,
 * epochs, seed, architecture hash, weights digest). Default directory: {@code $DGAN_CACHE_DIR/classifier/<dataset>}, else
 * {@code ~/.cache/dgan/classifier/<dataset>}.
 */
public final class FeatureClassifier {
    /**
     * What the score named {@code fid} (in metrics.jsonl, scores.jsonl, summaries and the {@code dgan_eval_fid}
     * metric) is, in words: the Fréchet distance between Gaussians fitted to this classifier's 128 features of
     * generated and of test images.
     */
    public static final String FID_MEANING = "Fréchet distance on dgan's own classifier features";
    /** How that score relates to the FID of the literature, in one line. */
    public static final String INCEPTION_NOTE = "not Inception FID: other features, another scale, not comparable "
            + "(Inception FID values of good generators are typically tens)";
    /** One line describing the network (recorded in classifier.json). */
    public static final String ARCHITECTURE = "conv3x3-32 relu, maxpool2, conv3x3-64 relu, maxpool2, dense-128 relu "
            + "(features), softmax; trained on random horizontal flips";
    /** Index of the feature layer and its width. */
    private static final int FEATURE_LAYER = 4;
    private static final int FEATURES = 128;
    /** Adam's initial rate; it decays linearly to 0 over training. */
    static final double LEARNING_RATE = 2e-3;
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

    /**
     * conv 3×3 32 → max-pool 2 → conv 3×3 64 → max-pool 2 → dense 128 (the features) → softmax, trained on random
     * left-right mirror images. A strided conv 3×3/2 32 → conv 3×3/2 64 net costs about 4× less arithmetic but
     * reached only 0.895–0.904 test accuracy on Fashion-MNIST after 5 epochs (seeds 0, 1; native reductions are not
     * bit-reproducible across thread counts), too close to the 0.90 this classifier targets; dropout on the
     * features did not help it (0.897 after 8 epochs).
     * {@code totalSteps > 0}: Adam's rate decays linearly from {@link #LEARNING_RATE} to 0 over that many steps;
     * 0: constant rate (the form whose JSON gives the architecture hash).
     */
    static MultiLayerConfiguration configuration(int channels, int side, int classes, long seed, int totalSteps) {
        ISchedule lr = totalSteps > 0 ? new PolySchedule(ScheduleType.ITERATION, LEARNING_RATE, 1.0, totalSteps) : null;
        return new NeuralNetConfiguration.Builder()
                .seed(seed)
                .dataType(DataType.FLOAT)
                .updater(lr != null ? new Adam(lr) : new Adam(LEARNING_RATE))
                .weightInit(WeightInit.RELU)
                .trainingWorkspaceMode(WorkspaceMode.ENABLED)
                .inferenceWorkspaceMode(WorkspaceMode.ENABLED)
                .convolutionMode(ConvolutionMode.Same)
                .list()
                .layer(new ConvolutionLayer.Builder(3, 3).nOut(32).activation(Activation.RELU).build())
                .layer(new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).kernelSize(2, 2).stride(2, 2).build())
                .layer(new ConvolutionLayer.Builder(3, 3).nOut(64).activation(Activation.RELU).build())
                .layer(new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).kernelSize(2, 2).stride(2, 2).build())
                .layer(new DenseLayer.Builder().nOut(FEATURES).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(classes)
                        .activation(Activation.SOFTMAX).build())
                .setInputType(InputType.convolutional(side, side, channels))
                .build();
    }

    /**
     * SHA-256 (first 16 hex digits) of the network description for this input shape, with a constant updater and
     * seed 0: it changes whenever a layer, size, activation or the input shape changes, not with epochs or seed.
     * Stored in {@code classifier.json}; a cached classifier whose hash differs is not used.
     */
    public static String architectureHash(int channels, int side, int classes) {
        String json = configuration(channels, side, classes, 0, 0).toJson();
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(json.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Trains with Adam (rate {@link #LEARNING_RATE} decaying linearly to 0 over all steps), minibatches of 128
     * drawn by a seeded shuffle each epoch; reports the test accuracy after each epoch.
     */
    public static FeatureClassifier train(ImageDataset trainSet, ImageDataset testSet, int epochs, long seed, PrintStream log) {
        io.dgan.model.NativeBackend.configure(); // the same convolution path whatever was built before in this JVM
        int n = trainSet.size();
        int batch = 128;
        int stepsPerEpoch = (n + batch - 1) / batch;
        int channels = trainSet.shape().channels();
        int side = trainSet.shape().height();
        MultiLayerNetwork net = new MultiLayerNetwork(configuration(channels, side, trainSet.classes(), seed,
                epochs * stepsPerEpoch));
        net.init();
        SplittableRandom rng = new SplittableRandom(seed);
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        long t0 = System.nanoTime();
        List<Double> perEpoch = new java.util.ArrayList<>();
        FeatureClassifier c = new FeatureClassifier(net, Map.of());
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
                net.fit(new DataSet(flippedImages(trainSet, idx, rng), oneHot(trainSet, idx)));
                if (step % 50 == 0) {
                    log.printf("classifier epoch %d/%d  %d/%d  loss %.4f  (%.0f s)%n", e + 1, epochs, from, n,
                            net.score(), (System.nanoTime() - t0) / 1e9);
                }
                if (step % 20 == 0) {
                    System.gc();
                }
            }
            double acc = c.accuracy(testSet);
            perEpoch.add(acc);
            log.printf("classifier epoch %d/%d done: test accuracy %.4f on %d images (%.0f s)%n", e + 1, epochs, acc,
                    testSet.size(), (System.nanoTime() - t0) / 1e9);
        }
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("dataset", trainSet.name());
        info.put("testAccuracy", perEpoch.get(perEpoch.size() - 1));
        info.put("testImages", testSet.size());
        info.put("testAccuracyPerEpoch", perEpoch);
        info.put("epochs", epochs);
        info.put("trainImages", n);
        info.put("seed", seed);
        info.put("trainSeconds", (System.nanoTime() - t0) / 1e9);
        info.put("architecture", ARCHITECTURE);
        info.put("architectureHash", architectureHash(channels, side, trainSet.classes()));
        info.put("inputShape", List.of(channels, side, side));
        info.put("classes", trainSet.classes());
        info.put("weightsDigest", weightsDigest(net));
        return new FeatureClassifier(net, info);
    }

    /** SHA-256 (first 16 hex digits) of the parameters as little-endian float32: names the exact weights. */
    static String weightsDigest(MultiLayerNetwork net) {
        float[] p = net.params().dup().data().asFloat();
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(p.length * 4).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(p);
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b.array()), 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public Map<String, Object> info() {
        return info;
    }

    /** One line naming the classifier's quality: "test accuracy 0.912 on 10000 images (5 epochs on 60000)". */
    public String accuracyLine() {
        return describeAccuracy(info);
    }

    /** {@link #accuracyLine()} from a classifier.json map (fields missing from it are left out). */
    public static String describeAccuracy(Map<String, ?> info) {
        StringBuilder b = new StringBuilder("test accuracy ");
        b.append(info.get("testAccuracy") instanceof Number a ? String.format(java.util.Locale.ROOT, "%.3f",
                a.doubleValue()) : "unknown");
        if (info.get("testImages") instanceof Number n) {
            b.append(" on ").append(n.longValue()).append(" images");
        }
        if (info.get("epochs") instanceof Number e && info.get("trainImages") instanceof Number t) {
            b.append(" (").append(e.intValue()).append(e.intValue() == 1 ? " epoch on " : " epochs on ")
                    .append(t.longValue()).append(" training images)");
        }
        return b.toString();
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

    /**
     * Loads a saved classifier, or returns null when {@code dir} has none, or has one that this build must not use
     * (saved without an architecture hash, i.e. by an older build, or with a different one): {@link #staleReason}
     * says why. FIDs depend on the exact weights, so a stale cache is never reused silently.
     */
    public static FeatureClassifier loadIfPresent(Path dir) {
        Path zip = dir.resolve("classifier.zip");
        if (!Files.exists(zip) || staleReason(dir) != null) {
            return null;
        }
        try {
            io.dgan.model.NativeBackend.configure();
            MultiLayerNetwork net = ModelSerializer.restoreMultiLayerNetwork(zip.toFile(), false);
            return new FeatureClassifier(net, readInfo(dir));
        } catch (IOException e) {
            throw new IllegalArgumentException(zip + ": cannot load the classifier (" + e.getMessage() + ")", e);
        }
    }

    /**
     * Why the classifier in {@code dir} cannot be used by this build (one line naming the file), or null when it
     * can or when there is none.
     */
    public static String staleReason(Path dir) {
        Path zip = dir.resolve("classifier.zip");
        if (!Files.exists(zip)) {
            return null;
        }
        Path json = dir.resolve("classifier.json");
        if (!Files.exists(json)) {
            return json + ": missing (the classifier's description and architecture hash); retrain with "
                    + "'dgan classifier train'";
        }
        Map<String, Object> info;
        try {
            info = readInfo(dir);
        } catch (IOException e) {
            return json + ": unreadable (" + e.getMessage() + "); retrain with 'dgan classifier train'";
        }
        Object hash = info.get("architectureHash");
        Object shape = info.get("inputShape");
        Object classes = info.get("classes");
        if (hash == null || !(shape instanceof List<?> s) || s.size() != 3 || !(classes instanceof Number k)) {
            return json + ": no architectureHash/inputShape/classes (saved by an older build with another "
                    + "architecture); retrain with 'dgan classifier train'";
        }
        String current = architectureHash(((Number) s.get(0)).intValue(), ((Number) s.get(1)).intValue(), k.intValue());
        if (!current.equals(hash)) {
            return json + ": architectureHash " + hash + ", this build's classifier is " + current + " ("
                    + ARCHITECTURE + "); retrain with 'dgan classifier train'";
        }
        return null;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> readInfo(Path dir) throws IOException {
        return new ObjectMapper().readValue(dir.resolve("classifier.json").toFile(), Map.class);
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

    /**
     * The images of {@code idx}, each mirrored left-right with probability 1/2 (seeded): garments, bags and shoes
     * stay what they are when mirrored, so the classifier sees twice the variety and overfits later.
     */
    static INDArray flippedImages(ImageDataset d, int[] idx, SplittableRandom rng) {
        int len = d.shape().length();
        int w = d.shape().width();
        float[] buf = new float[idx.length * len];
        for (int i = 0; i < idx.length; i++) {
            d.copyImage(idx[i], buf, i * len);
            if (rng.nextBoolean()) {
                for (int row = i * len; row < (i + 1) * len; row += w) { // every row of every channel (NCHW)
                    for (int a = row, b = row + w - 1; a < b; a++, b--) {
                        float t = buf[a];
                        buf[a] = buf[b];
                        buf[b] = t;
                    }
                }
            }
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
