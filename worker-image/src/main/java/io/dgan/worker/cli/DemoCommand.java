package io.dgan.worker.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.dgan.data.Datasets;
import io.dgan.data.ImageDataset;
import io.dgan.evaluation.FeatureClassifier;
import io.dgan.training.Evaluator;
import io.dgan.training.GanTrainer;
import io.dgan.training.TrainConfig;
import io.dgan.training.TrainSetup;
import io.dgan.worker.demo.DemoDataset;
import io.dgan.worker.demo.LossQualityChart;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code dgan demo}: a DCGAN (dcgan-small) trained by 4 worker processes gossiping over gRPC on a ring with DP-OAdam,
 * on Fashion-MNIST (Debian's package, else the sample shipped in the jar, else the 2-D ring of 8 Gaussians), in
 * about five minutes on two idle cores; ends with a sample grid, a loss/quality plot and a one-screen summary. The quality
 * score ({@code fid}: {@link FeatureClassifier#FID_MEANING}) needs the feature classifier: when none is cached the demo trains one first (one epoch on 6,000 images) and caches it under
 * its own key ({@link DemoDataset#DEMO_CLASSIFIER}), never where `dgan train/eval` look for a properly trained one.
 */
@Command(name = "demo", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Train a small DCGAN on Fashion-MNIST with 4 worker processes gossiping over gRPC (ring, "
                + "DP-OAdam), then show a sample grid, a loss/quality plot and a summary (about 5 minutes on 2 idle cores).",
                "Quality: the Fréchet distance on dgan's own classifier features (not Inception FID; not comparable).",
                "Data: Debian's dataset-fashion-mnist if installed, else a 2,000-image sample shipped with dgan, "
                        + "else the 2-D ring of 8 Gaussians."})
public final class DemoCommand implements Callable<Integer> {
    /**
     * Iterations sized for about 5 minutes on 2 idle cores with 4 workers, batch 32, the batch-norm generator
     * (4m40s measured for the whole demo on a fresh clone: docs/demo.md).
     */
    static final long DEFAULT_ITERATIONS = 1500;
    /**
     * Learning rate of G and D on images. Under simultaneous OAdam the DCGAN's classifier-feature FID falls about 3×
     * faster at 1e-3 than at the DCGAN paper's 2e-4 (PyTorch replica on a GPU, docs/gan.md "Learning rate"; at 1,500
     * iterations DP-OAdam 70 vs 218): at this length it is the difference between garments and blobs.
     */
    static final double IMAGE_LEARNING_RATE = 1e-3;
    private static final ObjectMapper JSON = new ObjectMapper();

    @Spec
    CommandSpec spec;

    @Option(names = "--iterations", defaultValue = "" + DEFAULT_ITERATIONS,
            description = "training iterations (default ${DEFAULT-VALUE}, sized for ~5 minutes on 2 idle cores)")
    long iterations;

    @Option(names = "--workers", defaultValue = "4", description = "worker processes (default ${DEFAULT-VALUE})")
    int workers;

    @Option(names = "--out", description = "output directory (default runs/demo-<time>)")
    Path out;

    @Option(names = "--batch", defaultValue = "32", description = "minibatch per worker (default ${DEFAULT-VALUE})")
    int batch;

    @Option(names = "--dataset", defaultValue = "auto",
            description = "auto | fashion-mnist | sample | ring8 (default ${DEFAULT-VALUE}: the first available)")
    String dataset;

    @Option(names = "--evaluations", defaultValue = "4",
            description = "evaluations (quality score, sample grid) during the run (default ${DEFAULT-VALUE})")
    int evaluations;

    @Option(names = "--eval-samples", defaultValue = "1000",
            description = "generated and test images per quality score (default ${DEFAULT-VALUE})")
    int evalSamples;

    @Option(names = "--classifier-dir", description = "feature classifier for the quality score (default: the cache, trained first if missing)")
    Path classifierDir;

    @Option(names = "--json", description = "print the summary as one JSON object on stdout")
    boolean json;

    @Override
    public Integer call() {
        long t0 = System.nanoTime();
        if (iterations < 1) {
            throw new ParameterException(spec.commandLine(), "--iterations: must be >= 1, got " + iterations);
        }
        if (workers < 1) {
            throw new ParameterException(spec.commandLine(), "--workers: must be >= 1, got " + workers);
        }
        if (evaluations < 1) {
            throw new ParameterException(spec.commandLine(), "--evaluations: must be >= 1, got " + evaluations);
        }
        Path dir = out != null ? out : Path.of("runs", "demo-"
                + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
        if (Files.exists(dir.resolve("train").resolve("checkpoints").resolve("latest.json"))) {
            throw new ParameterException(spec.commandLine(), "--out: " + dir + " already holds a demo run; "
                    + "choose another directory");
        }
        DemoDataset data;
        try {
            data = DemoDataset.choose(dataset, Datasets.DEBIAN_FASHION_MNIST, dir);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        PrintWriter err = spec.commandLine().getErr();
        PrintStream stdout = System.out;
        System.setOut(System.err); // ND4J's banner stays off stdout
        try {
            return run(dir, data, err, t0);
        } finally {
            System.setOut(stdout);
        }
    }

    private int run(Path dir, DemoDataset data, PrintWriter err, long t0) {
        int batchSize = data.isImages() ? batch : Math.max(batch, 64); // the 2-D MLP GAN was tuned at 64
        say(err, "dgan demo: %d worker processes, ring, DP-OAdam over gRPC; %s, %d iterations, batch %d per worker",
                workers, data.model(), iterations, batchSize);
        say(err, "dataset: %s", data.description());
        Path classifier = null;
        double classifierSeconds = 0;
        Map<String, Object> classifierInfo = null;
        if (data.isImages()) {
            classifier = classifierDir != null ? classifierDir : FeatureClassifier.defaultDir(data.classifierName());
            FeatureClassifier cached = FeatureClassifier.loadIfPresent(classifier);
            if (cached == null) {
                String stale = FeatureClassifier.staleReason(classifier);
                if (stale != null) {
                    say(err, "the cached classifier cannot be used: %s", stale);
                }
                long c0 = System.nanoTime();
                boolean sample = !data.classifierName().equals(DemoDataset.DEMO_CLASSIFIER);
                int limit = sample ? 0 : 6000;
                int epochs = sample ? 3 : 1;
                say(err, "the quality score (%s) needs a feature classifier and none is cached in %s: training one first "
                        + "(%d epoch(s) on %s training images; about 2-3 minutes on 2 busy cores; cached for next time)",
                        FeatureClassifier.FID_MEANING, classifier, epochs, sample ? "the 2,000 sample" : "6,000");
                Datasets.Source src = new Datasets.Source("fashion-mnist", data.dataDir());
                ImageDataset train = Datasets.load(src, true);
                if (limit > 0) {
                    train = train.head(limit);
                }
                ImageDataset test = Datasets.load(src, false);
                test = test.head(Math.min(test.size(), 2000));
                cached = FeatureClassifier.train(train, test, epochs, 0, System.err);
                cached.save(classifier);
                classifierSeconds = (System.nanoTime() - c0) / 1e9;
                say(err, "classifier trained in %.0f s, test accuracy %.3f on %d images; saved to %s",
                        classifierSeconds, ((Number) cached.info().get("testAccuracy")).doubleValue(), test.size(),
                        classifier);
            } else {
                say(err, "feature classifier for the quality score: %s, %s", classifier, cached.accuracyLine());
            }
            classifierInfo = new LinkedHashMap<>(cached.info());
        }

        long evalEvery = Math.max(1, iterations / evaluations);
        long logEvery = Math.max(1, Math.min(10, iterations / 20));
        TrainConfig config = data.isImages()
                ? new TrainConfig(workers, "ring", "dp-oadam", data.model(), data.dataset(), data.dataDir().toString(),
                "iid", "bce", batch, iterations, IMAGE_LEARNING_RATE, IMAGE_LEARNING_RATE, 0.5, 0.999, 1, 0, 0,
                logEvery, evalEvery, 0, evalSamples, classifier.toString())
                : new TrainConfig(workers, "ring", "dp-oadam", data.model(), data.dataset(), null, "iid", "bce",
                batchSize, iterations, 1e-4, 5e-4, 0.5, 0.999, 1, 0, 0, logEvery, evalEvery, 0, 2500, null);
        Path runDir = dir.resolve("train");
        String metric = data.isImages() ? "fid" : "modesCovered";

        // The untrained generator's score (x_0 is the same on every worker): the "start" of the quality curve.
        Map<String, Object> startEval;
        {
            long e0 = System.nanoTime();
            TrainSetup setup = TrainSetup.of(config);
            Evaluator evaluator = setup.defaultEvaluator(System.err);
            GanTrainer.prepareRunDirectory(config, runDir, false);
            startEval = evaluator.evaluate(setup.newModel(), 0, runDir);
            say(err, "untrained generator: %s %s (%.0f s)", metric, format(startEval.get(metric)),
                    (System.nanoTime() - e0) / 1e9);
        }

        Map<String, Object> summary = TrainCommand.runWorkerProcesses(config, runDir, false, err);
        List<Map<String, Object>> records = readMetrics(runDir.resolve("metrics.jsonl"));
        Path chart = dir.resolve("loss-" + metric.toLowerCase(Locale.ROOT) + ".png");
        Double start = startEval.get(metric) instanceof Number n ? n.doubleValue() : null;
        LossQualityChart.write(chart, records, metric, start, "dgan demo: " + data.model() + ", " + workers
                + " workers, DP-OAdam on a ring over gRPC");
        @SuppressWarnings("unchecked")
        Map<String, Object> finalEval = (Map<String, Object>) summary.getOrDefault("finalEvaluation", Map.of());
        @SuppressWarnings("unchecked")
        Map<String, Object> last = (Map<String, Object>) summary.getOrDefault("lastMetrics", Map.of());
        double wall = (System.nanoTime() - t0) / 1e9;

        Map<String, Object> s = new LinkedHashMap<>();
        s.put("dataset", data.dataset());
        s.put("datasetSource", data.description());
        s.put("model", data.model());
        s.put("workers", workers);
        s.put("topology", "ring");
        s.put("algorithm", "dp-oadam");
        s.put("transport", "gRPC on loopback, one JVM per worker");
        s.put("iterations", iterations);
        s.put("batchPerWorker", config.batch());
        s.put("metric", metric);
        s.put("metricStart", startEval.get(metric));
        s.put("metricEnd", finalEval.get(metric));
        s.put("metricMeaning", data.isImages() ? FeatureClassifier.FID_MEANING + "; " + FeatureClassifier.INCEPTION_NOTE
                : "modes of the 8 Gaussians covered");
        s.put("finalEvaluation", finalEval);
        s.put("consensusDistance", last.get("consensus"));
        s.put("iterationsPerSecond", summary.get("iterationsPerSecond"));
        s.put("trainingSeconds", summary.get("wallSeconds"));
        s.put("classifierTrainingSeconds", classifierSeconds);
        s.put("classifier", classifierInfo);
        s.put("wallSeconds", wall);
        s.put("outDir", dir.toString());
        s.put("runDir", runDir.toString());
        s.put("samples", runDir.resolve("samples.png").toString());
        s.put("plot", chart.toString());
        s.put("paramDigests", summary.get("paramDigests"));
        GanTrainer.writeJsonAtomically(dir.resolve("demo-summary.json"), s);
        printSummary(err, s, data, runDir, dir);
        if (json) {
            PrintWriter o = spec.commandLine().getOut();
            o.println(JsonOutput.toJson(s));
            o.flush();
        }
        return 0;
    }

    @SuppressWarnings("unchecked")
    private void printSummary(PrintWriter err, Map<String, Object> s, DemoDataset data, Path runDir, Path dir) {
        String rule = "-".repeat(78);
        err.println(rule);
        err.printf(Locale.ROOT, "dgan demo finished in %s%n", GanTrainer.formatDuration((Double) s.get("wallSeconds")));
        err.printf(Locale.ROOT, "  data        %s%n", data.description());
        err.printf(Locale.ROOT, "  training    %s, %d worker processes, DP-OAdam on a ring, gRPC on loopback%n",
                data.model(), workers);
        err.printf(Locale.ROOT, "              %d iterations x batch %d per worker in %.0f s (%.2f it/s); "
                        + "consensus distance %s%n", iterations, (Integer) s.get("batchPerWorker"),
                num(s.get("trainingSeconds")), num(s.get("iterationsPerSecond")), format(s.get("consensusDistance")));
        if (data.isImages()) {
            err.printf(Locale.ROOT, "  quality     fid %s (untrained) -> %s (iteration %d), %s samples%n",
                    format(s.get("metricStart")), format(s.get("metricEnd")), iterations, evalSamples);
            err.printf(Locale.ROOT, "              fid = %s; classifier %s%n", FeatureClassifier.FID_MEANING,
                    s.get("classifier") instanceof Map<?, ?> c ? FeatureClassifier.describeAccuracy(
                            (Map<String, ?>) c) : "unknown");
            err.printf(Locale.ROOT, "              %s%n", FeatureClassifier.INCEPTION_NOTE);
            if (num(s.get("classifierTrainingSeconds")) > 0) {
                err.printf(Locale.ROOT, "  classifier  trained first in %.0f s (cached for the next demo)%n",
                        num(s.get("classifierTrainingSeconds")));
            }
        } else {
            err.printf(Locale.ROOT, "  modes       %s of 8 covered (untrained) -> %s; high-quality samples %s%n",
                    format(s.get("metricStart")), format(s.get("metricEnd")),
                    format(((Map<?, ?>) s.get("finalEvaluation")).get("highQualityFraction")));
        }
        err.printf(Locale.ROOT, "  samples     %s%n", runDir.resolve("samples.png"));
        err.printf(Locale.ROOT, "  plot        %s (losses and %s)%n", s.get("plot"), s.get("metric"));
        err.printf(Locale.ROOT, "  run dir     %s (metrics.jsonl, samples/, losses.png, consensus.png, checkpoints/)%n",
                runDir);
        err.printf(Locale.ROOT, "  summary     %s%n", dir.resolve("demo-summary.json"));
        err.printf(Locale.ROOT, "  next        ./dgan job --run-dir %s | kubectl apply -f -   (the same training on "
                + "Kubernetes: docs/getting-started-kubernetes.md)%n", runDir);
        err.println(rule);
        err.flush();
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> readMetrics(Path file) {
        List<Map<String, Object>> out = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(file)) {
                if (!line.isBlank()) {
                    out.add(JSON.readValue(line, Map.class));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
        return out;
    }

    private static double num(Object o) {
        return o instanceof Number n ? n.doubleValue() : Double.NaN;
    }

    private static String format(Object o) {
        if (o instanceof Double d || o instanceof Float) {
            double v = ((Number) o).doubleValue();
            return Math.abs(v) >= 100 ? String.format(Locale.ROOT, "%.1f", v) : String.format(Locale.ROOT, "%.4g", v);
        }
        return String.valueOf(o);
    }

    private static void say(PrintWriter err, String format, Object... args) {
        err.printf(Locale.ROOT, format + "%n", args);
        err.flush();
    }
}
