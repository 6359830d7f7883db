package io.dgan.training;

import io.dgan.data.GaussianMixture;
import io.dgan.evaluation.Images;
import io.dgan.evaluation.ModeCoverage;
import io.dgan.model.GanModel;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/** Mode coverage, high-quality fraction and high-quality samples per mode over N samples, plus a scatter plot (samples/iter-K.png, samples.png). */
public final class MixtureEvaluator implements Evaluator {
    private final GaussianMixture mixture;
    private final int samples;
    private final long seed;

    public MixtureEvaluator(GaussianMixture mixture, int samples, long seed) {
        this.mixture = mixture;
        this.samples = samples;
        this.seed = seed;
    }

    @Override
    public Map<String, Object> evaluate(GanModel model, long iteration, Path runDir) {
        INDArray z = GanOracle.noise(samples, model.noiseDim(), new SplittableRandom(seed ^ 0x5EED), model.generator().dataType());
        INDArray x = model.generator().forward(z, false).dup();
        ModeCoverage c = ModeCoverage.measure(mixture, x);
        var img = Images.scatter(x, mixture, 480);
        Images.writePng(img, runDir.resolve("samples").resolve(String.format("iter-%07d.png", iteration)));
        Images.writePng(img, runDir.resolve("samples.png"));
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("modesCovered", c.modesCovered());
        m.put("modes", c.modes());
        m.put("highQualityFraction", c.highQualityFraction());
        // Per-mode counts tell a dropped mode (0) from a thin one (a few, under the threshold of 20).
        m.put("samplesPerMode", java.util.Arrays.stream(c.perMode()).boxed().toList());
        m.put("evalSamples", samples);
        return m;
    }
}
