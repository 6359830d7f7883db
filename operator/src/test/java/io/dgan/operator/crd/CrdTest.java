package io.dgan.operator.crd;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionVersion;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The CRD is generated from the Java types at build time (crd-generator-maven-plugin) and committed twice: in
 * crds/ and in the Helm chart's crds/. A change to the types without re-committing the files fails here; run
 * {@code ./mvnw -pl operator process-classes} and copy target/classes/META-INF/fabric8/*.yml to both places.
 */
class CrdTest {
    static final String FILE = "decentralizedganjobs.dgan.io-v1.yml";
    static final Path GENERATED = Path.of("target/classes/META-INF/fabric8", FILE);

    @Test
    void committedCrdsMatchTheGeneratedOne() throws Exception {
        String generated = Files.readString(GENERATED);
        assertThat(Files.readString(Path.of("../crds", FILE))).as("crds/" + FILE).isEqualTo(generated);
        assertThat(Files.readString(Path.of("../helm/dgan-operator/crds", FILE))).as("helm chart crds/" + FILE)
                .isEqualTo(generated);
    }

    @Test
    void schemaCarriesValidationDefaultsColumnsAndSubresources() throws Exception {
        CustomResourceDefinition crd = Serialization.unmarshal(Files.readString(GENERATED), CustomResourceDefinition.class);
        assertThat(crd.getSpec().getScope()).isEqualTo("Namespaced");
        CustomResourceDefinitionVersion v = crd.getSpec().getVersions().get(0);
        assertThat(v.getName()).isEqualTo("v1alpha1");
        assertThat(v.getAdditionalPrinterColumns()).extracting(c -> c.getName())
                .containsExactly("Age", "Topology", "Phase", "Step", "Ready"); // the order docs/operator.md gives
        assertThat(v.getSubresources().getStatus()).isNotNull();
        assertThat(v.getSubresources().getScale().getSpecReplicasPath()).isEqualTo(".spec.workers");
        assertThat(v.getSubresources().getScale().getStatusReplicasPath()).isEqualTo(".status.replicas");

        JSONSchemaProps spec = v.getSchema().getOpenAPIV3Schema().getProperties().get("spec");
        assertThat(spec.getRequired()).contains("workers", "model", "dataset", "optimizer", "template");
        assertThat(spec.getProperties().get("workers").getMinimum()).isEqualTo(1.0);
        assertThat(spec.getXKubernetesValidations()).anySatisfy(r -> {
            assertThat(r.getRule()).contains("Hypercube", "self.workers in [1, 2, 4, 8");
            assertThat(r.getMessage()).contains("spec.workers");
        });
        JSONSchemaProps optimizer = spec.getProperties().get("optimizer");
        assertThat(optimizer.getProperties().get("lrGenerator").getExclusiveMinimum()).isTrue();
        // No schema default: the worker applies the preset of the job's model and dataset.
        assertThat(optimizer.getProperties().get("lrGenerator").getDefault()).isNull();
        assertThat(optimizer.getProperties().get("batchSize").getDefault()).isNull();
        assertThat(spec.getProperties().get("model").getProperties().get("type").getXKubernetesValidations())
                .extracting(r -> r.getRule())
                .contains("self == oldSelf", "self in ['dcgan', 'dcgan-small', 'mlp', 'resnet-wgan-gp']");
        assertThat(spec.getProperties().get("dataset").getXKubernetesValidations())
                .extracting(r -> r.getRule()).containsExactly("self == oldSelf");
        assertThat(spec.getProperties().get("topology").getProperties().get("type").getDefault().asText()).isEqualTo("Ring");
        assertThat(spec.getProperties().get("template").getProperties()).containsKey("spec");
    }
}
