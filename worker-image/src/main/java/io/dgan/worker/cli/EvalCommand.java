package io.dgan.worker.cli;

import io.dgan.training.RunScorer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code dgan eval}: the classifier-feature FID, KID and IS of every generator snapshot of an image run (e.g. once the
 * classifier exists). {@code fid} is {@link io.dgan.evaluation.FeatureClassifier#FID_MEANING}; it prints which
 * classifier and its test accuracy before the scores.
 */
@Command(name = "eval", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Score the generator snapshots (snapshots/G-iter-K.bin) of a training run with dgan's feature "
                + "classifier: fid (the Fréchet distance on the classifier's features), kid, and the classifier "
                + "inception score per snapshot. Not Inception FID: the values are not comparable with it.",
                "Writes scores.jsonl and scores-fid.png, scores-kid.png, scores-inceptionScore.png into the run directory."})
public final class EvalCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--run-dir", required = true, description = "the training run directory")
    Path runDir;

    @Option(names = "--classifier-dir", description = "feature classifier (default: the run's, else the cache)")
    Path classifierDir;

    @Option(names = "--eval-samples", defaultValue = "1000", description = "generated and test images per score (default ${DEFAULT-VALUE})")
    int samples;

    @Option(names = "--json", description = "print one JSON object on stdout")
    boolean json;

    @Override
    public Integer call() {
        if (samples < 2) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--eval-samples: must be >= 2, got " + samples);
        }
        PrintStream stdout = System.out;
        PrintWriter jsonOut = spec.commandLine().getOut();
        System.setOut(System.err);
        try {
            List<Map<String, Object>> rows = RunScorer.score(runDir, classifierDir, samples, System.err);
            if (json) {
                jsonOut.println(JsonOutput.toJson(Map.of("runDir", runDir.toString(), "scores", rows)));
                jsonOut.flush();
            }
        } finally {
            System.setOut(stdout);
        }
        return 0;
    }
}
