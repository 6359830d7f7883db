package io.dgan.training;

import io.dgan.data.Datasets;
import io.dgan.data.ImageDataset;
import io.dgan.evaluation.FeatureClassifier;
import io.dgan.evaluation.FeatureStatistics;
import io.dgan.evaluation.Images;
import io.dgan.model.GanModel;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Sample grids of the network-average generator (fixed noise, so grids are comparable across iterations) and,
 * when a feature classifier for the dataset exists, FID and KID against the test split and the classifier-based
 * inception score (see {@link FeatureClassifier} for why these are not Inception-v3 numbers).
 */
public final class ImageEvaluator implements Evaluator {
    private final long seed;
    private final Datasets.Source source;
    private final Path classifierDir;
    private final PrintStream log;
    private final int samples;
    private FeatureClassifier classifier;
    private ImageDataset testSet;
    private double[][] realFeatures;

    ImageEvaluator(long seed, Datasets.Source source, Path classifierDir, int samples, PrintStream log) {
        this.seed = seed;
        this.source = source;
        this.classifierDir = classifierDir;
        this.samples = samples;
        this.log = log;
    }

    static Evaluator create(Datasets.Source source, TrainConfig config, PrintStream log) {
        Path dir = config.classifierDir() != null ? Path.of(config.classifierDir())
                : FeatureClassifier.defaultDir(source.name());
        ImageEvaluator e = new ImageEvaluator(config.seed(), source, dir, config.evalSamples(), log);
        if (!e.classifierReady()) {
            String stale = FeatureClassifier.staleReason(dir);
            log.println(stale != null ? "feature classifier not usable: " + stale + "; FID/KID/IS skipped until a "
                    + "current one is there"
                    : "no feature classifier in " + dir + " yet: FID/KID/IS skipped until one is there "
                    + "(train one with 'dgan classifier train')");
        }
        return e;
    }

    /** Looks for the classifier again at each evaluation until found (it may be trained while a run goes on). */
    private boolean classifierReady() {
        if (classifier == null) {
            classifier = FeatureClassifier.loadIfPresent(classifierDir);
            if (classifier != null) {
                log.println("FID/KID/IS from the classifier in " + classifierDir + " (" + classifier.accuracyLine()
                        + "): fid = " + FeatureClassifier.FID_MEANING + ", " + FeatureClassifier.INCEPTION_NOTE);
                testSet = Datasets.load(source, false);
            }
        }
        return classifier != null;
    }

    @Override
    public Map<String, Object> evaluate(GanModel model, long iteration, Path runDir) {
        INDArray z = GanOracle.noise(64, model.noiseDim(), new SplittableRandom(seed ^ 0x6121D), model.generator().dataType());
        INDArray x = model.generator().forward(z, false).dup();
        var grid = Images.grid(x, 8, 2);
        Images.writePng(grid, runDir.resolve("samples").resolve(String.format("iter-%07d.png", iteration)));
        Images.writePng(grid, runDir.resolve("samples.png"));
        Map<String, Object> m = new LinkedHashMap<>();
        if (classifierReady()) {
            m.putAll(scores(model));
        }
        return m;
    }

    /** FID, KID and IS when the classifier is available, else nothing. */
    Map<String, Object> scoresIfReady(GanModel model) {
        return classifierReady() ? scores(model) : new LinkedHashMap<>();
    }

    /** FID, KID and IS of {@code samples} generated images against as many test images. */
    Map<String, Object> scores(GanModel model) {
        if (realFeatures == null) {
            int n = Math.min(samples, testSet.size());
            int[] idx = new int[n];
            SplittableRandom rng = new SplittableRandom(seed ^ 0x7E57);
            int[] perm = new int[testSet.size()];
            for (int i = 0; i < perm.length; i++) {
                perm[i] = i;
            }
            for (int i = 0; i < n; i++) {
                int j = i + rng.nextInt(perm.length - i);
                int t = perm[i];
                perm[i] = perm[j];
                perm[j] = t;
                idx[i] = perm[i];
            }
            realFeatures = classifier.features(FeatureClassifier.images(testSet, idx));
        }
        List<INDArray> parts = new ArrayList<>();
        SplittableRandom noise = new SplittableRandom(seed ^ 0xF1D);
        for (int from = 0; from < samples; from += 500) {
            int size = Math.min(500, samples - from);
            INDArray z = GanOracle.noise(size, model.noiseDim(), noise, model.generator().dataType());
            parts.add(model.generator().forward(z, false).dup());
        }
        INDArray fake = Nd4j.concat(0, parts.toArray(new INDArray[0]));
        double[][] fakeFeatures = classifier.features(fake);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("fid", FeatureStatistics.frechetDistance(realFeatures, fakeFeatures));
        m.put("kid", FeatureStatistics.kernelDistance(realFeatures, fakeFeatures, 10, Math.min(1000, samples), seed));
        m.put("inceptionScore", FeatureStatistics.inceptionScore(classifier.probabilities(fake)));
        return m;
    }
}
