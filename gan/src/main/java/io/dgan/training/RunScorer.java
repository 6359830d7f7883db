package io.dgan.training;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.dgan.data.Datasets;
import io.dgan.evaluation.Curves;
import io.dgan.evaluation.FeatureClassifier;
import io.dgan.model.GanModel;
import io.dgan.model.GanModels;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Scores the generator snapshots of an image run after the fact (FID, KID, IS on the feature classifier's features,
 * per snapshot; {@link FeatureClassifier#FID_MEANING}): writes
 * {@code scores.jsonl} (iteration 0 = the initial generator) and {@code scores-fid.png}, {@code scores-kid.png}, {@code scores-inceptionScore.png}.
 */
public final class RunScorer {
    private RunScorer() {
    }

    public static List<Map<String, Object>> score(Path runDir, Path classifierDir, int samples, PrintStream log) {
        Path cfgFile = runDir.resolve("config.json");
        TrainConfig config;
        try {
            config = new ObjectMapper().readValue(cfgFile.toFile(), TrainConfig.class);
        } catch (IOException e) {
            throw new IllegalArgumentException("--run-dir: cannot read " + cfgFile + " (" + e.getMessage() + ")");
        }
        Datasets.Source source = new Datasets.Source(config.dataset(),
                config.dataDir() == null ? null : Path.of(config.dataDir()));
        if (source.isMixture()) {
            throw new IllegalArgumentException("--run-dir: " + runDir + " is a 2-D mixture run; its mode coverage is "
                    + "already in metrics.jsonl");
        }
        Path dir = classifierDir != null ? classifierDir : config.classifierDir() != null
                ? Path.of(config.classifierDir()) : FeatureClassifier.defaultDir(source.name());
        FeatureClassifier classifier = FeatureClassifier.loadIfPresent(dir);
        if (classifier == null) {
            String stale = FeatureClassifier.staleReason(dir);
            throw new IllegalArgumentException("--classifier-dir: " + (stale != null ? stale
                    : "no classifier in " + dir + " (run 'dgan classifier train')"));
        }
        log.printf("fid = %s (%s, %s)%n%s%n", FeatureClassifier.FID_MEANING, dir, classifier.accuracyLine(),
                FeatureClassifier.INCEPTION_NOTE);
        List<Long> its = Snapshots.iterations(runDir);
        if (its.isEmpty()) {
            throw new IllegalArgumentException("--run-dir: no generator snapshots in " + runDir.resolve("snapshots"));
        }
        GanModel model = GanModels.create(config.model(), Datasets.shapeOf(source), config.seed());
        ImageEvaluator evaluator = new ImageEvaluator(config.seed(), source, dir, samples, log);
        List<Map<String, Object>> rows = new ArrayList<>();
        Map<String, Curves> curves = new LinkedHashMap<>();
        List<String> lines = new ArrayList<>();
        if (its.get(0) != 0L) {
            its.add(0, 0L); // iteration 0: the initial generator, rebuilt from the run's seed (every worker's x_0)
        }
        for (long k : its) {
            if (k > 0 || Files.exists(Snapshots.file(runDir, 0))) {
                Snapshots.load(Snapshots.file(runDir, k), model);
            }
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("iteration", k);
            row.putAll(evaluator.scoresIfReady(model));
            rows.add(row);
            log.printf("iteration %d: %s%n", k, row);
            for (String key : List.of("fid", "kid", "inceptionScore")) {
                curves.computeIfAbsent(key, q -> new Curves(q + " of the network-average generator (classifier "
                        + "features, not Inception-v3)", q, false)).add(key, k, ((Number) row.get(key)).doubleValue());
            }
            try {
                lines.add(new ObjectMapper().writeValueAsString(row));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        try {
            Files.write(runDir.resolve("scores.jsonl"), lines, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write scores.jsonl", e);
        }
        curves.forEach((key, c) -> c.writePng(runDir.resolve("scores-" + key + ".png"), 800, 450));
        return rows;
    }
}
