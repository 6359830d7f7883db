package io.dgan.worker.cli;

import io.dgan.model.GanModels;
import io.dgan.training.Preset;
import io.dgan.training.Recipe;
import picocli.CommandLine;
import picocli.CommandLine.Option;

import java.util.ArrayList;
import java.util.List;

/**
 * What a GAN run trains, on which data, and its recipe: the options of {@code dgan train}, which a worker given
 * train flags parses as well. Recipe settings left out come from the preset of the model and dataset
 * ({@link Preset}), else from the built-in recipe; a flag given always wins.
 */
final class TrainingOptions {
    @Option(names = "--model", description = "mlp | dcgan | dcgan-small (width 32) | resnet-wgan-gp (Gulrajani et "
            + "al.; 32×32 or 28×28 images) (default: the model of a named --preset, else mlp)")
    String model;

    @Option(names = "--spectral-norm", description = "spectral normalisation of the discriminator's weights "
            + "(Miyato et al. 2018; same as the model name + \"+sn\")")
    boolean spectralNorm;

    @Option(names = "--dataset", description = "ring8 | grid25 | fashion-mnist | mnist | cifar10 | folder (default: "
            + "the dataset of a named --preset, else ring8)")
    String dataset;

    @Option(names = "--data-dir", description = "folder of the dataset files (fashion-mnist defaults to "
            + "/usr/share/datasets/fashion-mnist, Debian's dataset-fashion-mnist)")
    String dataDir;

    @Option(names = "--shard", description = "iid | dirichlet:<alpha> (non-iid by label; default ${DEFAULT-VALUE})")
    String shard = "iid";

    @Option(names = "--preset", completionCandidates = PresetNames.class, description = "the recipe behind a "
            + "documented result: ${COMPLETION-CANDIDATES}; auto picks the preset of --model and --dataset, none the "
            + "built-in recipe (default ${DEFAULT-VALUE}); --loss, --batch, --iterations, --lr* and --beta* override it")
    String preset = "auto";

    @Option(names = "--loss", description = "bce | wgan-gp[:lambda] | hinge, optionally +r1[:gamma] or +r2[:gamma] "
            + "(default: the preset's, else bce)")
    String loss;

    @Option(names = "--batch", description = "minibatch per worker (default: the preset's, else 64)")
    Integer batch;

    @Option(names = "--iterations", description = "total iterations (default: the preset's, else 1000)")
    Long iterations;

    @Option(names = "--lr", description = "learning rate of G and D (default: the preset's, else 2e-4)")
    Double lr;

    @Option(names = "--lr-g", description = "learning rate of G (overrides --lr)")
    Double lrG;

    @Option(names = "--lr-d", description = "learning rate of D (overrides --lr)")
    Double lrD;

    @Option(names = "--beta1", description = "Adam β1 (default: the preset's, else 0.5)")
    Double beta1;

    @Option(names = "--beta2", description = "Adam β2 (default: the preset's, else 0.999)")
    Double beta2;

    @Option(names = "--seed", description = "initial point, data, noise and schedule seed (default ${DEFAULT-VALUE})")
    long seed;

    /** What --preset takes: auto, then every preset's name. */
    static final class PresetNames implements Iterable<String> {
        @Override
        public java.util.Iterator<String> iterator() {
            return java.util.stream.Stream.concat(java.util.stream.Stream.of("auto"),
                    Preset.all().stream().map(Preset::name)).iterator();
        }
    }

    /** The model's name, "+sn" with --spectral-norm. */
    String modelName() {
        if (model == null) {
            throw new IllegalStateException("resolveModelAndDataset first");
        }
        return GanModels.withSpectralNorm(model, spectralNorm);
    }

    /**
     * Fills in --model and --dataset left out: from a named preset (its recipe is for that model and data), else mlp
     * on ring8. A named preset for another model or dataset than the flags give is refused: its recipe would be
     * used on a run it was not made for.
     */
    void resolveModelAndDataset(CommandLine cmd) {
        if (!preset.equals("auto") && !preset.equals("none")) {
            Preset named = Flags.parse(cmd, "--preset", () -> Preset.named(preset));
            String of = "--preset " + named.name() + " is the recipe of --model " + named.model()
                    + (named.dataset() != null ? " on --dataset " + named.dataset() : "");
            if (model != null && !GanModels.baseName(model).equals(named.model())) {
                throw new CommandLine.ParameterException(cmd, of + ", not of --model " + model
                        + " (leave --model out, or --preset auto for the preset of " + model + ")");
            }
            if (dataset != null && named.dataset() != null && !dataset.equals(named.dataset())) {
                throw new CommandLine.ParameterException(cmd, of + ", not of --dataset " + dataset
                        + " (leave --dataset out, or --preset auto for the preset of the model and dataset)");
            }
            model = model != null ? model : named.model();
            dataset = dataset != null ? dataset : named.dataset();
        }
        model = model != null ? model : "mlp";
        dataset = dataset != null ? dataset : "ring8";
    }

    /** --preset: auto picks by model and dataset; an unknown name names the flag. */
    Preset preset(CommandLine cmd) {
        resolveModelAndDataset(cmd);
        return preset.equals("auto") ? Preset.forRun(model, dataset)
                : Flags.parse(cmd, "--preset", () -> Preset.named(preset));
    }

    /** The preset's recipe with every flag given in its place. */
    Recipe recipe(CommandLine cmd, Preset from) {
        return Flags.parse(cmd, "--loss", () -> from.recipe().override(loss, batch, iterations,
                lrG != null ? lrG : lr, lrD != null ? lrD : lr, beta1, beta2));
    }

    /** The recipe flags given on the command line, which win over the preset. */
    List<String> recipeFlagsGiven() {
        List<String> given = new ArrayList<>();
        addIfSet(given, "--loss", loss);
        addIfSet(given, "--batch", batch);
        addIfSet(given, "--iterations", iterations);
        addIfSet(given, "--lr", lr);
        addIfSet(given, "--lr-g", lrG);
        addIfSet(given, "--lr-d", lrD);
        addIfSet(given, "--beta1", beta1);
        addIfSet(given, "--beta2", beta2);
        return given;
    }

    private static void addIfSet(List<String> given, String flag, Object value) {
        if (value != null) {
            given.add(flag);
        }
    }
}
