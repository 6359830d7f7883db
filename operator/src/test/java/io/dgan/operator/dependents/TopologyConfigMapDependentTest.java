package io.dgan.operator.dependents;

import static org.assertj.core.api.Assertions.assertThat;

import io.dgan.operator.resources.TopologyConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import org.junit.jupiter.api.Test;

class TopologyConfigMapDependentTest {
    private static ConfigMap atEpoch(String epoch) {
        return new ConfigMapBuilder().withNewMetadata().withName("gan-topology").addToAnnotations(
                TopologyConfigMap.EPOCH_ANNOTATION, epoch).endMetadata().addToData("topology.json", "{\"epoch\":" + epoch + "}").build();
    }

    @Test
    void anOlderPlanNeverReplacesANewerPublishedEpoch() {
        ConfigMap published = atEpoch("7");
        ConfigMap stalePlan = atEpoch("1");
        // Returns before touching the client or the context: nothing is written.
        assertThat(new TopologyConfigMapDependent().update(published, stalePlan, null, null)).isSameAs(published);
    }

    @Test
    void epochIsReadFromTheAnnotation() {
        assertThat(TopologyConfigMapDependent.epochOf(atEpoch("12"))).isEqualTo(12);
        assertThat(TopologyConfigMapDependent.epochOf(atEpoch("not-a-number"))).isZero();
        assertThat(TopologyConfigMapDependent.epochOf(new ConfigMapBuilder().withNewMetadata().endMetadata().build())).isZero();
        assertThat(TopologyConfigMapDependent.epochOf(null)).isZero();
    }
}
