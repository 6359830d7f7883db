package io.dgan.worker.cli;

import io.dgan.training.TrainConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** dgan train's recipe: the preset of the model and dataset, every flag given winning over it. */
class TrainPresetTest {
    @TempDir
    Path dir;

    private static TrainConfig config(String... args) {
        TrainCommand cmd = new TrainCommand();
        new CommandLine(cmd).parseArgs(args);
        return cmd.buildConfig();
    }

    @Test
    void theDefaultRunIsTheDocumentedRingOfGaussiansRecipe() {
        TrainConfig c = config();
        assertThat(c.preset()).isEqualTo("mlp-ring8");
        assertThat(c.lrG()).isEqualTo(1e-4);
        assertThat(c.lrD()).isEqualTo(5e-4);
        assertThat(c.batch()).isEqualTo(256);
        assertThat(c.iterations()).isEqualTo(10_000);
    }

    @Test
    void explicitFlagsWinOverThePreset() {
        TrainConfig oneRate = config("--lr-g", "2e-4", "--batch", "64");
        assertThat(oneRate.lrG()).isEqualTo(2e-4);
        assertThat(oneRate.lrD()).isEqualTo(5e-4);
        assertThat(oneRate.batch()).isEqualTo(64);
        assertThat(oneRate.iterations()).isEqualTo(10_000);
        TrainConfig both = config("--lr", "3e-4", "--beta1", "0", "--iterations", "7");
        assertThat(both.lrG()).isEqualTo(3e-4);
        assertThat(both.lrD()).isEqualTo(3e-4);
        assertThat(both.beta1()).isZero();
        assertThat(both.iterations()).isEqualTo(7);
        assertThat(config("--lr", "3e-4", "--lr-d", "1e-3").lrD()).isEqualTo(1e-3);
    }

    @Test
    void aNamedPresetBringsItsModelAndDatasetAndRefusesOthers() {
        TrainConfig fmnist = config("--preset", "dcgan-small-fashion-mnist");
        assertThat(fmnist.model()).isEqualTo("dcgan-small");
        assertThat(fmnist.dataset()).isEqualTo("fashion-mnist");
        assertThat(fmnist.batch()).isEqualTo(32);
        assertThat(config("--preset", "dcgan-small-fashion-mnist", "--spectral-norm").model())
                .isEqualTo("dcgan-small+sn");
        assertThat(config("--preset", "resnet-wgan-gp", "--dataset", "cifar10").dataset()).isEqualTo("cifar10");
        CliRun wrongModel = CliRun.of("train", "--preset", "dcgan-small-fashion-mnist", "--model", "mlp",
                "--run-dir", dir.resolve("a").toString());
        assertThat(wrongModel.exitCode()).isEqualTo(2);
        assertThat(wrongModel.err()).contains("--preset dcgan-small-fashion-mnist is the recipe of --model dcgan-small "
                + "on --dataset fashion-mnist, not of --model mlp");
        CliRun wrongData = CliRun.of("train", "--preset", "mlp-ring8", "--dataset", "grid25",
                "--run-dir", dir.resolve("b").toString());
        assertThat(wrongData.exitCode()).isEqualTo(2);
        assertThat(wrongData.err()).contains("not of --dataset grid25");
        assertThat(dir.resolve("a")).doesNotExist();
    }

    @Test
    void thePresetFollowsTheModelAndDatasetOrIsChosenByName() {
        TrainConfig fmnist = config("--model", "dcgan-small", "--dataset", "fashion-mnist");
        assertThat(fmnist.preset()).isEqualTo("dcgan-small-fashion-mnist");
        assertThat(fmnist.lrG()).isEqualTo(5e-4);
        assertThat(fmnist.batch()).isEqualTo(32);
        TrainConfig none = config("--preset", "none");
        assertThat(none.preset()).isEqualTo("none");
        assertThat(none.lrG()).isEqualTo(2e-4);
        assertThat(none.batch()).isEqualTo(64);
        assertThat(config("--dataset", "grid25").preset()).isEqualTo("none");
        assertThat(config("--model", "resnet-wgan-gp", "--dataset", "cifar10").loss()).isEqualTo("wgan-gp");
    }

    @Test
    void anUnknownPresetIsOneLineNamingTheFlag() {
        GameCommandTest.Run bad = GameCommandTest.run("train", "--in-process", "--preset", "fast");
        assertThat(bad.exit()).isEqualTo(2);
        assertThat(bad.err().strip().lines()).hasSize(1);
        assertThat(bad.err()).contains("--preset").contains("mlp-ring8");
    }

    @Test
    void theRunSaysWhichPresetItUsedAndSavesIt() throws Exception {
        Path run = dir.resolve("run");
        GameCommandTest.Run r = GameCommandTest.run("train", "--in-process", "--workers", "2", "--iterations", "2",
                "--batch", "8", "--log-every", "1", "--eval-samples", "50", "--run-dir", run.toString());
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.err()).contains("preset mlp-ring8").contains("from flags: --batch --iterations");
        assertThat(Files.readString(run.resolve("config.json"))).contains("\"preset\" : \"mlp-ring8\"");
        assertThat(r.err()).contains("time per iteration").contains("gossip/all-reduce wait");
        assertThat(Files.readString(run.resolve("summary.json"))).contains("\"iterationSplit\"")
                .contains("\"computeMs\"");
    }

    @Test
    void emulatedLinksAreForWorkerProcessesOnly() {
        GameCommandTest.Run bad = GameCommandTest.run("train", "--in-process", "--emulate-latency", "10ms");
        assertThat(bad.exit()).isEqualTo(2);
        assertThat(bad.err().strip().lines()).hasSize(1);
        assertThat(bad.err()).contains("--emulate-latency");
        GameCommandTest.Run unparsable = GameCommandTest.run("train", "--emulate-bandwidth", "fast");
        assertThat(unparsable.exit()).isEqualTo(2);
        assertThat(unparsable.err()).contains("--emulate-bandwidth");
    }
}
