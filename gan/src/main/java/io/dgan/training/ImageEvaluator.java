package io.dgan.training;

import io.dgan.data.Datasets;
import io.dgan.evaluation.Images;
import io.dgan.model.GanModel;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/** Sample grids of the network-average generator (fixed noise, so grids are comparable across iterations). */
public final class ImageEvaluator implements Evaluator {
    private final long seed;

    ImageEvaluator(long seed) {
        this.seed = seed;
    }

    static Evaluator create(Datasets.Source source, TrainConfig config, PrintStream log) {
        return new ImageEvaluator(config.seed());
    }

    @Override
    public Map<String, Object> evaluate(GanModel model, long iteration, Path runDir) {
        INDArray z = GanOracle.noise(64, model.noiseDim(), new SplittableRandom(seed ^ 0x6121D), model.generator().dataType());
        INDArray x = model.generator().forward(z, false).dup();
        var grid = Images.grid(x, 8, 2);
        Images.writePng(grid, runDir.resolve("samples").resolve(String.format("iter-%07d.png", iteration)));
        Images.writePng(grid, runDir.resolve("samples.png"));
        return new LinkedHashMap<>();
    }
}
