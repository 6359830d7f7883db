package io.dgan.data;

import io.dgan.model.Shape;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Datasets by command-line name. Mixtures: {@code ring8}, {@code grid25}. Images: {@code fashion-mnist} and
 * {@code mnist} (IDX files, gzipped or not; Fashion-MNIST defaults to Debian's dataset-fashion-mnist location),
 * {@code cifar10} (binary batches), {@code folder} (PNG/JPEG, resized).
 */
public final class Datasets {
    public static final List<String> NAMES = List.of("ring8", "grid25", "fashion-mnist", "mnist", "cifar10", "folder");
    public static final Path DEBIAN_FASHION_MNIST = Path.of("/usr/share/datasets/fashion-mnist");

    private Datasets() {
    }

    /**
     * @param name     dataset name
     * @param dataDir  folder with the files (null: the default, where there is one)
     * @param imageSide / channels   for {@code folder} only
     */
    public record Source(String name, Path dataDir, int imageSide, int channels) {
        public Source {
            if (!NAMES.contains(name)) {
                throw new IllegalArgumentException("--dataset: expected one of " + NAMES + ", got '" + name + "'");
            }
        }

        public Source(String name, Path dataDir) {
            this(name, dataDir, 32, 3);
        }

        public boolean isMixture() {
            return name.equals("ring8") || name.equals("grid25");
        }

        Path dir() {
            if (dataDir != null) {
                return dataDir;
            }
            if (name.equals("fashion-mnist")) {
                return DEBIAN_FASHION_MNIST;
            }
            throw new IllegalArgumentException("--data-dir is required for dataset " + name);
        }
    }

    public static GaussianMixture mixture(String name) {
        return switch (name) {
            case "ring8" -> GaussianMixture.ring8();
            case "grid25" -> GaussianMixture.grid25();
            default -> throw new IllegalArgumentException("not a mixture dataset: " + name);
        };
    }

    /** The training (or test) split of an image dataset. */
    public static ImageDataset load(Source src, boolean train) {
        Path dir = src.dir();
        return switch (src.name()) {
            case "fashion-mnist", "mnist" -> {
                String prefix = train ? "train" : "t10k";
                yield IdxReader.readLabelled(src.name() + (train ? "-train" : "-test"),
                        idxFile(dir, prefix + "-images-idx3-ubyte"), idxFile(dir, prefix + "-labels-idx1-ubyte"), 10);
            }
            case "cifar10" -> {
                List<Path> files = new ArrayList<>();
                if (train) {
                    CifarReader.TRAIN_FILES.forEach(f -> files.add(dir.resolve(f)));
                } else {
                    files.add(dir.resolve("test_batch.bin"));
                }
                yield CifarReader.read(src.name() + (train ? "-train" : "-test"), files);
            }
            case "folder" -> ImageFolderReader.read(dir, src.imageSide(), src.channels());
            default -> throw new IllegalArgumentException("not an image dataset: " + src.name());
        };
    }

    /** Prefer the gzipped file, fall back to the plain one; a missing file names the gzipped path. */
    static Path idxFile(Path dir, String base) {
        Path gz = dir.resolve(base + ".gz");
        Path plain = dir.resolve(base);
        return Files.exists(gz) || !Files.exists(plain) ? gz : plain;
    }

    /** Sample shape without reading the data (for building the model first). */
    public static Shape shapeOf(Source src) {
        return switch (src.name()) {
            case "ring8", "grid25" -> Shape.vector(2);
            case "fashion-mnist", "mnist" -> Shape.image(1, 28, 28);
            case "cifar10" -> Shape.image(3, 32, 32);
            default -> Shape.image(src.channels(), src.imageSide(), src.imageSide());
        };
    }

    /** Worker {@code rank}'s shard of the training data; the same on every worker for the same seed. */
    public static SampleSource shard(Source src, ImageDataset trainSet, Sharding.Spec spec, int workers, int rank, long seed) {
        if (src.isMixture()) {
            GaussianMixture m = mixture(src.name());
            if (spec.iid()) {
                return m;
            }
            // Non-iid mixture: every worker draws its own mode weights from Dirichlet(α) (a shared seed stream).
            SplittableRandom rng = new SplittableRandom(seed);
            double[] w = null;
            for (int r = 0; r <= rank; r++) {
                w = Sharding.sampleDirichlet(m.modes().length, spec.alpha(), rng);
            }
            return m.withWeights(w);
        }
        int[][] shards = spec.iid()
                ? Sharding.iid(trainSet.size(), workers, seed)
                : Sharding.dirichlet(trainSet.labels(), trainSet.classes(), workers, spec.alpha(), seed);
        if (shards[rank].length == 0) {
            throw new IllegalArgumentException(spec.iid()
                    ? "--workers " + workers + ": " + trainSet.name() + " has " + trainSet.size() + " image"
                    + (trainSet.size() == 1 ? "" : "s") + ", too few for one per worker (rank " + rank + " would get "
                    + "none)"
                    : "--shard " + spec + ": rank " + rank + " of " + workers + " drew no image of " + trainSet.name()
                    + " (" + trainSet.size() + " images); use a larger alpha or fewer workers");
        }
        return new DatasetShard(trainSet, shards[rank]);
    }
}
