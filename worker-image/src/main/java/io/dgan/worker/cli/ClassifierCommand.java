package io.dgan.worker.cli;

import io.dgan.data.Datasets;
import io.dgan.data.ImageDataset;
import io.dgan.evaluation.FeatureClassifier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code dgan classifier train}: the feature classifier behind FID/KID/IS. */
@Command(name = "classifier", mixinStandardHelpOptions = true,
        description = "The small CNN whose features give FID/KID and whose softmax gives the inception score.",
        subcommands = {ClassifierCommand.Train.class})
public final class ClassifierCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.err);
    }

    @Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
            description = {"Train the classifier on the dataset's training split, report test accuracy, and cache "
                    + "the weights (default $DGAN_CACHE_DIR/classifier/<dataset>, else ~/.cache/dgan/classifier/<dataset>).",
                    "FID/KID/IS from it are comparable between runs here, NOT with Inception-v3 numbers."})
    public static final class Train implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--dataset", defaultValue = "fashion-mnist", description = "fashion-mnist | mnist | cifar10 (default ${DEFAULT-VALUE})")
        String dataset;

        @Option(names = "--data-dir", description = "dataset folder (fashion-mnist defaults to Debian's location)")
        Path dataDir;

        @Option(names = "--epochs", defaultValue = "8", description = "training epochs; Adam's rate decays linearly to 0 over them (default ${DEFAULT-VALUE})")
        int epochs;

        @Option(names = "--limit", defaultValue = "0", description = "use only the first N training images (0 = all)")
        int limit;

        @Option(names = "--seed", defaultValue = "0", description = "seed (default ${DEFAULT-VALUE})")
        long seed;

        @Option(names = "--dir", description = "where to store the classifier")
        Path dir;

        @Option(names = "--json", description = "print one JSON summary on stdout")
        boolean json;

        @Override
        public Integer call() {
            if (epochs < 1) {
                throw new ParameterException(spec.commandLine(), "--epochs: must be >= 1, got " + epochs);
            }
            if (limit < 0) {
                throw new ParameterException(spec.commandLine(), "--limit: must be >= 0, got " + limit);
            }
            Datasets.Source src = new Datasets.Source(dataset, dataDir);
            if (src.isMixture() || dataset.equals("folder")) {
                throw new ParameterException(spec.commandLine(), "--dataset: needs a labelled image dataset "
                        + "(fashion-mnist, mnist, cifar10), got " + dataset);
            }
            PrintStream stdout = System.out;
        java.io.PrintWriter jsonOut = spec.commandLine().getOut();
            System.setOut(System.err);
            try {
                ImageDataset train = Datasets.load(src, true);
                if (limit > 0) {
                    train = train.head(limit);
                }
                ImageDataset test = Datasets.load(src, false);
                FeatureClassifier c = FeatureClassifier.train(train, test, epochs, seed, System.err);
                Path target = dir != null ? dir : FeatureClassifier.defaultDir(dataset);
                c.save(target);
                Map<String, Object> out = new LinkedHashMap<>(c.info());
                out.put("trainImages", train.size());
                out.put("testImages", test.size());
                out.put("dir", target.toString());
                System.err.printf("test accuracy %.4f on %d images; saved to %s%n", c.info().get("testAccuracy"),
                        test.size(), target);
                if (json) {
                    jsonOut.println(JsonOutput.toJson(out));
                    jsonOut.flush();
                }
            } finally {
                System.setOut(stdout);
            }
            return 0;
        }
    }
}
