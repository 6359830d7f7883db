package io.dgan.worker.cli;

import io.dgan.training.TrainConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The worker's --config in the operator's form (TrainingConfigMap) and in dgan train's config.json form. */
class JobConfigFileTest {
    @TempDir
    Path dir;

    @Test
    void operatorJobConfigurationMapsOntoTheTrainConfig() throws Exception {
        Path f = dir.resolve("config.json");
        // What the operator renders (TrainingConfigMap.toJson) for a spec with these fields.
        Files.writeString(f, """
                {"dataset":{"partition":"iid","path":"/data/fmnist","type":"fashion-mnist"},
                 "model":{"latentDim":100,"type":"dcgan"},
                 "optimizer":{"algorithm":"dp-oadam","batchSize":32,"beta1":0.5,"beta2":0.99,
                              "lrDiscriminator":4.0E-4,"lrGenerator":1.0E-4},
                 "training":{"checkpointDir":"/checkpoints","checkpointEvery":500,"evalEvery":250,"iterations":3000}}
                """);
        TrainConfig c = JobConfigFile.read(f, 8);
        assertThat(c.workers()).isEqualTo(8);
        assertThat(c.model()).isEqualTo("dcgan");
        assertThat(c.dataset()).isEqualTo("fashion-mnist");
        assertThat(c.dataDir()).isEqualTo("/data/fmnist");
        assertThat(c.algorithm()).isEqualTo("dp-oadam");
        assertThat(c.batch()).isEqualTo(32);
        assertThat(c.lrG()).isEqualTo(1e-4);
        assertThat(c.lrD()).isEqualTo(4e-4);
        assertThat(c.beta2()).isEqualTo(0.99);
        assertThat(c.iterations()).isEqualTo(3000);
        assertThat(c.evalEvery()).isEqualTo(250);
        assertThat(c.checkpointEvery()).isEqualTo(500);
        assertThat(c.topology()).isEqualTo("ring");
    }

    /** resnet-wgan-gp from the operator: the WGAN-GP loss; spectralNorm: true turns into the model's "+sn". */
    @Test
    void resnetAndSpectralNormFromTheOperator() throws Exception {
        Path f = dir.resolve("resnet.json");
        Files.writeString(f, "{\"model\":{\"type\":\"resnet-wgan-gp\",\"latentDim\":128,\"spectralNorm\":false},"
                + "\"dataset\":{\"type\":\"cifar10\",\"path\":\"/data/cifar\"},"
                + "\"optimizer\":{\"algorithm\":\"dp-oadam\"},\"training\":{}}");
        TrainConfig c = JobConfigFile.read(f, 2);
        assertThat(c.model()).isEqualTo("resnet-wgan-gp");
        assertThat(c.loss()).isEqualTo("wgan-gp");
        assertThat(c.dataset()).isEqualTo("cifar10");
        Files.writeString(f, "{\"model\":{\"type\":\"dcgan\",\"spectralNorm\":true},"
                + "\"dataset\":{\"type\":\"fashion-mnist\"},\"optimizer\":{\"algorithm\":\"dp-oadam\"},\"training\":{}}");
        c = JobConfigFile.read(f, 2);
        assertThat(c.model()).isEqualTo("dcgan+sn");
        assertThat(c.loss()).isEqualTo("bce");
        Files.writeString(f, "{\"model\":{\"type\":\"dcgan\",\"spectralNorm\":\"yes\"},"
                + "\"dataset\":{\"type\":\"fashion-mnist\"},\"optimizer\":{\"algorithm\":\"dp-oadam\"},\"training\":{}}");
        assertThatThrownBy(() -> JobConfigFile.read(f, 2)).hasMessageContaining("model.spectralNorm");
    }

    /** optimizer.loss and training.seed: as dgan train's --loss and --seed; left out, the preset's loss and seed 0. */
    @Test
    void theLossAndTheSeedOfAJob() throws Exception {
        Path f = dir.resolve("loss.json");
        Files.writeString(f, "{\"model\":{\"type\":\"dcgan-small\"},\"dataset\":{\"type\":\"fashion-mnist\"},"
                + "\"optimizer\":{\"algorithm\":\"dp-oadam\",\"loss\":\"hinge+r1:5\"},\"training\":{\"seed\":11}}");
        TrainConfig c = JobConfigFile.read(f, 2);
        assertThat(c.loss()).isEqualTo("hinge+r1:5");
        assertThat(c.seed()).isEqualTo(11);
        Files.writeString(f, "{\"model\":{\"type\":\"dcgan-small\"},\"dataset\":{\"type\":\"fashion-mnist\"},"
                + "\"optimizer\":{\"algorithm\":\"dp-oadam\"},\"training\":{}}");
        c = JobConfigFile.read(f, 2);
        assertThat(c.loss()).isEqualTo("bce");
        assertThat(c.seed()).isZero();
        Files.writeString(f, "{\"model\":{\"type\":\"dcgan\"},\"dataset\":{\"type\":\"fashion-mnist\"},"
                + "\"optimizer\":{\"algorithm\":\"dp-oadam\",\"loss\":\"wgan-gp+r1\"},\"training\":{}}");
        assertThatThrownBy(() -> JobConfigFile.read(f, 2)).hasMessageStartingWith("--config: " + f + ": optimizer.loss: ")
                .hasMessageContaining("wgan-gp already has its penalty");
        for (String seed : List.of("-1", "1.5", "\"7\"")) {
            Files.writeString(f, "{\"model\":{\"type\":\"dcgan\"},\"dataset\":{\"type\":\"fashion-mnist\"},"
                    + "\"optimizer\":{\"algorithm\":\"dp-oadam\"},\"training\":{\"seed\":" + seed + "}}");
            assertThatThrownBy(() -> JobConfigFile.read(f, 2)).as(seed)
                    .hasMessage("--config: " + f + ": training.seed: expected an integer >= 0, got " + seed);
        }
    }

    /** What a job leaves out comes from the preset of its model and dataset; what it gives wins. */
    @Test
    void fieldsTheJobLeavesOutComeFromThePreset() throws Exception {
        Path f = dir.resolve("mixture.json");
        Files.writeString(f, "{\"model\":{\"type\":\"mlp\"},\"dataset\":{\"type\":\"synthetic\"},"
                + "\"optimizer\":{\"algorithm\":\"dp-oadam\",\"lrGenerator\":2.0E-4},"
                + "\"training\":{\"iterations\":500}}");
        TrainConfig c = JobConfigFile.read(f, 4);
        assertThat(c.preset()).isEqualTo("mlp-ring8");
        assertThat(c.lrG()).isEqualTo(2e-4);
        assertThat(c.lrD()).isEqualTo(5e-4);
        assertThat(c.batch()).isEqualTo(256);
        assertThat(c.iterations()).isEqualTo(500);
    }

    @Test
    void runConfigJsonIsReadBackWithTheWorkerCountOfTheEnvironment() throws Exception {
        TrainConfig original = TrainConfig.defaults("mlp", "ring8").withWorkers(3, "torus", "dposg");
        Path f = dir.resolve("run-config.json");
        JsonOutput.mapper().writeValue(f.toFile(), original);
        assertThat(JobConfigFile.read(f, 3)).isEqualTo(original);
        assertThat(JobConfigFile.read(f, 4).workers()).isEqualTo(4);
    }

    @Test
    void whatTheWorkerCannotHonourFailsNamingTheField() throws Exception {
        Path f = dir.resolve("bad.json");
        Files.writeString(f, "{\"model\":{\"type\":\"wgan-resnet\"},\"dataset\":{\"type\":\"cifar10\"},"
                + "\"optimizer\":{\"algorithm\":\"dp-oadam\"},\"training\":{}}");
        assertThatThrownBy(() -> JobConfigFile.read(f, 2)).hasMessageContaining("--config")
                .hasMessageContaining("model.type").hasMessageContaining("wgan-resnet");
        Files.writeString(f, "{\"model\":{\"type\":\"mlp\"},\"dataset\":{\"type\":\"synthetic\",\"partition\":\"full\"},"
                + "\"optimizer\":{\"algorithm\":\"dp-oadam\"},\"training\":{}}");
        assertThatThrownBy(() -> JobConfigFile.read(f, 2)).hasMessageContaining("dataset.partition")
                .hasMessageContaining("expected iid or dirichlet:<alpha > 0>");
        Files.writeString(f, "{\"model\":{\"type\":\"dcgan\"},\"dataset\":{\"type\":\"fashion-mnist\","
                + "\"partition\":\"dirichlet:0.1\"},\"optimizer\":{\"algorithm\":\"dp-oadam\"},\"training\":{}}");
        assertThat(JobConfigFile.read(f, 2).shard()).as("the non-iid partition the CRD admits").isEqualTo("dirichlet:0.1");
        Files.writeString(f, "{\"model\":{\"type\":\"mlp\"},\"dataset\":{\"type\":\"synthetic\"},\"training\":{}}");
        assertThatThrownBy(() -> JobConfigFile.read(f, 2)).hasMessageContaining("optimizer.algorithm: required");
        assertThatThrownBy(() -> JobConfigFile.read(dir.resolve("missing.json"), 2))
                .hasMessageContaining("--config").hasMessageContaining("not found");
    }

    /** optimizer.averageMoments and optimizer.initialDirection from the CR reach the run; absent, the defaults. */
    @Test
    void reconstructedChoicesFromTheOperator() throws Exception {
        Path f = dir.resolve("choices.json");
        Files.writeString(f, "{\"model\":{\"type\":\"dcgan\"},\"dataset\":{\"type\":\"fashion-mnist\"},"
                + "\"optimizer\":{\"algorithm\":\"dp-oadam\",\"averageMoments\":true,\"initialDirection\":\"zero\"},"
                + "\"training\":{}}");
        TrainConfig c = JobConfigFile.read(f, 2);
        assertThat(c.averageMoments()).isTrue();
        assertThat(c.initialDirection()).isEqualTo("zero");
        Files.writeString(f, "{\"model\":{\"type\":\"dcgan\"},\"dataset\":{\"type\":\"fashion-mnist\"},"
                + "\"optimizer\":{\"algorithm\":\"dp-oadam\"},\"training\":{}}");
        c = JobConfigFile.read(f, 2);
        assertThat(c.averageMoments()).isFalse();
        assertThat(c.initialDirection()).isEqualTo("oracle");
        Files.writeString(f, "{\"model\":{\"type\":\"dcgan\"},\"dataset\":{\"type\":\"fashion-mnist\"},"
                + "\"optimizer\":{\"algorithm\":\"dp-oadam\",\"averageMoments\":\"yes\"},\"training\":{}}");
        assertThatThrownBy(() -> JobConfigFile.read(f, 2)).hasMessageContaining("optimizer.averageMoments");
        Files.writeString(f, "{\"model\":{\"type\":\"dcgan\"},\"dataset\":{\"type\":\"fashion-mnist\"},"
                + "\"optimizer\":{\"algorithm\":\"dp-oadam\",\"secondMoment\":\"neighbourhood\"},\"training\":{}}");
        assertThat(JobConfigFile.read(f, 2).secondMoment()).isEqualTo("neighbourhood");
        Files.writeString(f, "{\"model\":{\"type\":\"dcgan\"},\"dataset\":{\"type\":\"fashion-mnist\"},"
                + "\"optimizer\":{\"algorithm\":\"dp-oadam\",\"secondMoment\":\"mixed\"},\"training\":{}}");
        assertThatThrownBy(() -> JobConfigFile.read(f, 2))
                .hasMessageEndingWith(": optimizer.secondMoment: expected local, neighbourhood or global, got 'mixed'");
        // A run's config.json written before these fields existed reads back with the defaults.
        Path old = dir.resolve("old-config.json");
        com.fasterxml.jackson.databind.node.ObjectNode tree = JsonOutput.mapper().valueToTree(
                TrainConfig.defaults("mlp", "ring8"));
        tree.remove("averageMoments");
        tree.remove("initialDirection");
        tree.remove("secondMoment");
        JsonOutput.mapper().writeValue(old.toFile(), tree);
        assertThat(JobConfigFile.read(old, 4).initialDirection()).isEqualTo("oracle");
        assertThat(JobConfigFile.read(old, 4).secondMoment()).isEqualTo("local");
    }
}
