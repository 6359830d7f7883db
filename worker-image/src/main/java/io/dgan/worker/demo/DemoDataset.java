package io.dgan.worker.demo;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/**
 * The data the demo trains on, in order of preference: Fashion-MNIST from Debian's dataset-fashion-mnist package;
 * else the 2,000-image Fashion-MNIST sample shipped in this jar (MIT licence, see LICENSE-fashion-mnist.txt next to
 * it), extracted into the output directory; else the 2-D ring of 8 Gaussians.
 *
 * @param choice         auto | fashion-mnist | sample | ring8 (what --dataset asked for)
 * @param dataset        the `dgan train --dataset` name
 * @param dataDir        its folder (null for the mixture)
 * @param model          the model trained on it
 * @param classifierName cache key of the FID feature classifier (null: no FID, mode coverage instead)
 * @param description    one line for the user
 */
public record DemoDataset(String choice, String dataset, Path dataDir, String model, String classifierName,
                          String description) {
    public static final List<String> CHOICES = List.of("auto", "fashion-mnist", "sample", "ring8");
    /**
     * Cache key of the demo's quick classifier for the full Fashion-MNIST (1 epoch on 6,000 images): its own key, not
     * "fashion-mnist", so it never shadows the properly trained classifier that `dgan classifier train` caches there
     * and that `dgan train` / `dgan eval` pick up by default.
     */
    public static final String DEMO_CLASSIFIER = "fashion-mnist-demo";
    static final String SAMPLE_RESOURCE = "/io/dgan/worker/demo/fashion-mnist-sample/";
    static final List<String> SAMPLE_FILES = List.of("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
            "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz", "LICENSE-fashion-mnist.txt");

    public boolean isImages() {
        return dataDir != null;
    }

    /** Resolves --dataset; {@code out} receives the extracted sample when that is what is used. */
    public static DemoDataset choose(String choice, Path debianDir, Path out) {
        if (!CHOICES.contains(choice)) {
            throw new IllegalArgumentException("--dataset: expected one of " + CHOICES + ", got '" + choice + "'");
        }
        boolean debian = hasIdx(debianDir);
        if (choice.equals("fashion-mnist") && !debian) {
            throw new IllegalArgumentException("--dataset fashion-mnist: no IDX files in " + debianDir
                    + " (apt-get install -y dataset-fashion-mnist), or use --dataset sample");
        }
        if (choice.equals("fashion-mnist") || choice.equals("auto") && debian) {
            return new DemoDataset(choice, "fashion-mnist", debianDir, "dcgan-small", DEMO_CLASSIFIER,
                    "Fashion-MNIST, 60,000 training images, from Debian's dataset-fashion-mnist (" + debianDir + ")");
        }
        if (choice.equals("sample") || choice.equals("auto") && sampleShipped()) {
            Path dir = extractSample(out.resolve("data").resolve("fashion-mnist-sample"));
            return new DemoDataset(choice, "fashion-mnist", dir, "dcgan-small", "fashion-mnist-sample",
                    "Fashion-MNIST sample shipped with dgan (2,000 training + 1,000 test images, MIT licence"
                            + (choice.equals("sample") ? "; --dataset sample" : "; dataset-fashion-mnist is not installed")
                            + "), extracted to " + dir);
        }
        return new DemoDataset(choice, "ring8", null, "mlp", null, "2-D mixture: ring of 8 Gaussians"
                + (choice.equals("ring8") ? " (--dataset ring8)" : " (no Fashion-MNIST found and no sample shipped)"));
    }

    static boolean hasIdx(Path dir) {
        return dir != null && Files.isRegularFile(dir.resolve("train-images-idx3-ubyte.gz"))
                && Files.isRegularFile(dir.resolve("t10k-images-idx3-ubyte.gz"));
    }

    static boolean sampleShipped() {
        return DemoDataset.class.getResource(SAMPLE_RESOURCE + SAMPLE_FILES.get(0)) != null;
    }

    static Path extractSample(Path dir) {
        try {
            Files.createDirectories(dir);
            for (String f : SAMPLE_FILES) {
                try (InputStream in = DemoDataset.class.getResourceAsStream(SAMPLE_RESOURCE + f)) {
                    if (in == null) {
                        throw new IllegalStateException("the Fashion-MNIST sample is missing " + f + " in this build");
                    }
                    Files.copy(in, dir.resolve(f), StandardCopyOption.REPLACE_EXISTING);
                }
            }
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot extract the Fashion-MNIST sample to " + dir, e);
        }
    }
}
