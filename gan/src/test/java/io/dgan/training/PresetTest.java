package io.dgan.training;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The documented recipes resolve by model and dataset; a setting given replaces the recipe's, one at a time. */
class PresetTest {
    @Test
    void theRingOfGaussiansGetsItsTwoTimeScaleRecipe() {
        Preset p = Preset.forRun("mlp", "ring8");
        assertThat(p.name()).isEqualTo("mlp-ring8");
        assertThat(p.recipe()).isEqualTo(new Recipe("bce", 256, 10_000, 1e-4, 5e-4, 0.5, 0.999));
        assertThat(Preset.forRun("mlp+sn", "ring8")).isSameAs(p);
    }

    @Test
    void fashionMnistModelsAndTheResNetHaveTheirs() {
        assertThat(Preset.forRun("dcgan-small", "fashion-mnist").recipe().lrG()).isEqualTo(5e-4);
        assertThat(Preset.forRun("dcgan", "fashion-mnist").recipe().lrD()).isEqualTo(1e-3);
        assertThat(Preset.forRun("resnet-wgan-gp", "cifar10").recipe().loss()).isEqualTo("wgan-gp");
        assertThat(Preset.forRun("resnet-wgan-gp+sn", "fashion-mnist").name()).isEqualTo("resnet-wgan-gp");
    }

    @Test
    void withoutADocumentedResultTheBuiltInRecipeApplies() {
        assertThat(Preset.forRun("mlp", "grid25")).isSameAs(Preset.NONE);
        assertThat(Preset.forRun("dcgan", "mnist").recipe()).isEqualTo(Recipe.BUILT_IN);
    }

    @Test
    void givenSettingsWinOneByOne() {
        Recipe r = Preset.forRun("mlp", "ring8").recipe().override(null, 64, null, 2e-4, null, null, 0.9);
        assertThat(r).isEqualTo(new Recipe("bce", 64, 10_000, 2e-4, 5e-4, 0.5, 0.9));
    }

    @Test
    void presetsAreFoundByNameAndAnUnknownNameListsThem() {
        assertThat(Preset.named("dcgan-small-fashion-mnist").dataset()).isEqualTo("fashion-mnist");
        assertThat(Preset.named("none")).isSameAs(Preset.NONE);
        assertThatThrownBy(() -> Preset.named("ring")).hasMessageStartingWith("--preset: expected one of")
                .hasMessageContaining("mlp-ring8");
    }

    @Test
    void theRunConfigurationRecordsThePresetButResumeComparesTheSettings() {
        TrainConfig c = TrainConfig.defaults("mlp", "ring8").withPreset("mlp-ring8");
        assertThat(c.preset()).isEqualTo("mlp-ring8");
        assertThat(c.withIterations(5).preset()).isEqualTo("mlp-ring8");
        assertThat(c.identity()).isEqualTo(c.withPreset(null).identity());
    }
}
