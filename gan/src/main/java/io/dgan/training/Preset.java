package io.dgan.training;

import io.dgan.model.GanModels;

import java.util.List;
import java.util.Optional;

/**
 * The recipe behind a documented result, by model and dataset: the defaults of {@code dgan train}, of a worker
 * configured by train flags, and of a job's configuration for every setting left out. A preset matches a model by
 * its base name (spectral norm or not) and a dataset, or every dataset when {@code dataset} is null.
 *
 * @param source where the result this recipe reproduces is documented
 */
public record Preset(String name, String model, String dataset, String source, Recipe recipe) {

    /** No preset: the built-in recipe. */
    public static final Preset NONE = new Preset("none", null, null, "built-in defaults", Recipe.BUILT_IN);

    private static final List<Preset> ALL = List.of(
            // Two time-scale rates (D 5x G) and batch 256 per worker: 8 of 8 modes on every seed tried.
            new Preset("mlp-ring8", "mlp", "ring8", "docs/gan.md, ring of 8 Gaussians, batch 256 per worker",
                    new Recipe("bce", 256, 10_000, 1e-4, 5e-4, 0.5, 0.999)),
            new Preset("dcgan-small-fashion-mnist", "dcgan-small", "fashion-mnist",
                    "docs/gan.md, Fashion-MNIST DCGAN in dgan, DP-OAdam vs CP-OAdam",
                    new Recipe("bce", 32, 3_000, 5e-4, 5e-4, 0.5, 0.999)),
            new Preset("dcgan-fashion-mnist", "dcgan", "fashion-mnist", "docs/demo.md, the demo's training run",
                    new Recipe("bce", 32, 1_500, 1e-3, 1e-3, 0.5, 0.999)),
            // The WGAN-GP ResNet trains with its own loss (lambda 10) on any image dataset.
            new Preset("resnet-wgan-gp", "resnet-wgan-gp", null, "docs/gan.md, resnet-wgan-gp",
                    Recipe.BUILT_IN.override("wgan-gp", null, null, null, null, null, null)));

    /** Every preset, {@link #NONE} last. */
    public static List<Preset> all() {
        return java.util.stream.Stream.concat(ALL.stream(), java.util.stream.Stream.of(NONE)).toList();
    }

    /** The preset of a model (with or without "+sn") and dataset, else {@link #NONE}. */
    public static Preset forRun(String model, String dataset) {
        String base = GanModels.baseName(model);
        return ALL.stream().filter(p -> p.model.equals(base) && (p.dataset == null || p.dataset.equals(dataset)))
                .findFirst().orElse(NONE);
    }

    /** A preset by name ({@code --preset}); IllegalArgumentException naming the known ones. */
    public static Preset named(String name) {
        Optional<Preset> found = all().stream().filter(p -> p.name.equals(name)).findFirst();
        return found.orElseThrow(() -> new IllegalArgumentException("--preset: expected one of "
                + all().stream().map(Preset::name).toList() + ", got '" + name + "'"));
    }
}
