package io.dgan.operator.crd;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The committed CRD's schema and CEL rules applied to real manifests (the examples) and to the invalid specs the
 * issue names, offline (see {@link SchemaCheck}: min/max, required, CEL via cel-java). What a real API server
 * does beyond that is listed in docs/operator.md, "What the mock does not check".
 */
class CrdRulesTest {
    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    static final JSONSchemaProps SCHEMA = schema();

    @Test
    void everyExampleIsAdmitted() throws Exception {
        try (Stream<Path> files = Files.list(Path.of("../examples"))) {
            for (Path file : files.filter(f -> f.toString().endsWith(".yaml")).toList()) {
                assertThat(SchemaCheck.violations(SCHEMA, YAML.readTree(file.toFile()), null)).as(file.toString()).isEmpty();
            }
        }
    }

    @Test
    void zeroWorkersIsRejected() throws Exception {
        assertThat(check(spec -> spec.put("workers", 0))).containsExactly(".spec.workers: should be >= 1.0");
    }

    @Test
    void aHypercubeOnSixWorkersIsRejected() throws Exception {
        assertThat(check(spec -> {
            spec.put("workers", 6);
            ((ObjectNode) spec.get("topology")).put("type", "Hypercube");
        })).containsExactly(".spec: spec.topology.type Hypercube and OnePeerHypercube need spec.workers to be a power of two");
    }

    @Test
    void aNegativeLearningRateIsRejected() throws Exception {
        assertThat(check(spec -> ((ObjectNode) spec.get("optimizer")).put("lrGenerator", -2e-4)))
                .containsExactly(".spec.optimizer.lrGenerator: should be > 0.0");
    }

    @Test
    void anUnknownModelIsRejected() throws Exception {
        assertThat(check(spec -> ((ObjectNode) spec.get("model")).put("type", "stylegan9")))
                .containsExactly(".spec.model.type: spec.model.type must be one of dcgan, dcgan-small, mlp, "
                        + "resnet-wgan-gp");
    }

    @Test
    void everyModelTheWorkerBuildsIsAdmittedOnItsKindOfData() throws Exception {
        for (String model : ModelSpec.TYPES) {
            assertThat(check(spec -> {
                ((ObjectNode) spec.get("model")).put("type", model);
                ((ObjectNode) spec.get("dataset")).put("type", model.equals("mlp") ? "synthetic" : "cifar10");
            })).as(model).isEmpty();
        }
    }

    @Test
    void aLossIsAdmittedInTheFormsDganTrainTakes() throws Exception {
        for (String loss : List.of("bce", "ns", "hinge", "wgan-gp", "wgan-gp:5", "wgan-gp:2.5e1", "bce+r1", "bce+r1:10",
                "hinge+r2:0.1", "wgan-gp:0+r1", "wgan-gp:0.0+r2:5", "ns+r2:1e-2")) {
            assertThat(check(spec -> ((ObjectNode) spec.get("optimizer")).put("loss", loss))).as(loss).isEmpty();
        }
        String message = ".spec.optimizer.loss: spec.optimizer.loss must be bce, hinge or wgan-gp[:lambda], optionally "
                + "followed by +r1[:gamma] or +r2[:gamma] (wgan-gp only as wgan-gp:0+r1 or +r2)";
        for (String loss : List.of("", "mse", "bce+", "bce+r3", "wgan-gp+r1", "wgan-gp:10+r1", "bce+r1:-1", "BCE",
                "bce+r1+r2", "hinge:2", " bce", "wgan-gp:0.5+r1")) {
            assertThat(check(spec -> ((ObjectNode) spec.get("optimizer")).put("loss", loss))).as(loss)
                    .containsExactly(message);
        }
    }

    @Test
    void theTrainingSeedIsANonNegativeInteger() throws Exception {
        assertThat(check(spec -> ((ObjectNode) spec.get("training")).put("seed", 7))).isEmpty();
        assertThat(check(spec -> ((ObjectNode) spec.get("training")).put("seed", -1)))
                .containsExactly(".spec.training.seed: should be >= 0.0");
    }

    @Test
    void theModelAndDatasetAreImmutableOnUpdate() throws Exception {
        JsonNode old = example();
        JsonNode changed = example();
        ((ObjectNode) changed.at("/spec/model")).put("type", "resnet-wgan-gp");
        ((ObjectNode) changed.at("/spec/dataset")).put("partition", "dirichlet:0.5");
        assertThat(SchemaCheck.violations(SCHEMA, changed, old)).containsExactlyInAnyOrder(
                ".spec.model.type: spec.model.type is immutable", ".spec.dataset: spec.dataset is immutable");
        JsonNode scaled = example();
        ((ObjectNode) scaled.get("spec")).put("workers", 8);
        assertThat(SchemaCheck.violations(SCHEMA, scaled, old)).as("workers may change").isEmpty();
    }

    @Test
    void aJobNameThatIsNotADns1035LabelIsRejected() throws Exception {
        for (String bad : List.of("gan.v2", "1gan", "Gan", "gan-")) {
            JsonNode job = example();
            ((ObjectNode) job.get("metadata")).put("name", bad);
            assertThat(SchemaCheck.violations(SCHEMA, job, null)).as(bad).singleElement()
                    .satisfies(v -> assertThat(v).startsWith(": metadata.name must be a DNS-1035 label"));
        }
        JsonNode job = example();
        ((ObjectNode) job.get("metadata")).put("name", "g".repeat(46));
        assertThat(SchemaCheck.violations(SCHEMA, job, null)).singleElement()
                .satisfies(v -> assertThat(v).startsWith(": metadata.name must be at most 45 characters"));
    }

    @Test
    void workersAreBoundedInTheSchema() throws Exception {
        assertThat(check(spec -> spec.put("workers", 1025))).containsExactly(".spec.workers: should be <= 1024.0");
        assertThat(check(spec -> {
            spec.put("workers", 300);
            ((ObjectNode) spec.get("topology")).put("type", "Complete");
        })).singleElement().satisfies(v -> assertThat(v).startsWith(".spec: spec.topology.type Complete allows at most 256"));
    }

    @Test
    void aCheckpointVolumeNeedsAQuantity() throws Exception {
        assertThat(check(spec -> ((ObjectNode) spec.get("training")).putObject("checkpointVolume").put("size", "5Gi")))
                .isEmpty();
        assertThat(check(spec -> ((ObjectNode) spec.get("training")).putObject("checkpointVolume").put("size", "lots")))
                .singleElement().satisfies(v -> assertThat(v).startsWith(".spec.training.checkpointVolume.size: should match"));
        assertThat(check(spec -> ((ObjectNode) spec.get("training")).putObject("checkpointVolume")))
                .containsExactly(".spec.training.checkpointVolume.size: Required value");
        for (String kept : List.of("Delete", "Retain")) {
            assertThat(check(spec -> ((ObjectNode) spec.get("training")).putObject("checkpointVolume").put("size", "5Gi")
                    .put("whenDeleted", kept))).as(kept).isEmpty();
        }
        assertThat(check(spec -> ((ObjectNode) spec.get("training")).putObject("checkpointVolume").put("size", "5Gi")
                .put("whenDeleted", "Keep"))).singleElement().satisfies(v -> assertThat(v)
                .contains("spec.training.checkpointVolume.whenDeleted must be Delete or Retain"));
    }

    @Test
    void thePartitionIsIidOrADirichletShardAsTheWorkerImplements() throws Exception {
        for (String good : List.of("iid", "dirichlet:0.1", "dirichlet:1", "dirichlet:.5", "dirichlet:2e-1")) {
            assertThat(check(spec -> ((ObjectNode) spec.get("dataset")).put("partition", good))).as(good).isEmpty();
        }
        for (String bad : List.of("shard", "full", "dirichlet:", "dirichlet:-1", "dirichlet:abc", "iid ")) {
            assertThat(check(spec -> ((ObjectNode) spec.get("dataset")).put("partition", bad))).as(bad)
                    .containsExactly(".spec.dataset.partition: spec.dataset.partition must be iid or dirichlet:<alpha> "
                            + "with alpha > 0 (non-iid by label)");
        }
    }

    @Test
    void anMlpTrainsOnSyntheticPointsAndTheImageModelsOnImages() throws Exception {
        String message = ".spec: spec.model.type mlp trains on spec.dataset.type synthetic (2-D points); dcgan, "
                + "dcgan-small and resnet-wgan-gp on images (fashion-mnist, mnist, cifar10)";
        assertThat(check(spec -> ((ObjectNode) spec.get("model")).put("type", "mlp"))).containsExactly(message);
        assertThat(check(spec -> ((ObjectNode) spec.get("dataset")).put("type", "synthetic")))
                .containsExactly(message);
        assertThat(check(spec -> {
            ((ObjectNode) spec.get("model")).put("type", "mlp");
            ((ObjectNode) spec.get("dataset")).put("type", "synthetic");
        })).isEmpty();
    }

    @Test
    void aSpecWithoutTopologyIsAdmitted() throws Exception {
        assertThat(check(spec -> spec.remove("topology"))).isEmpty();
    }

    static List<String> check(Consumer<ObjectNode> change) throws Exception {
        JsonNode job = example();
        change.accept((ObjectNode) job.get("spec"));
        return SchemaCheck.violations(SCHEMA, job, null);
    }

    static JsonNode example() throws Exception {
        return YAML.readTree(Path.of("../examples/cpu-ring.yaml").toFile());
    }

    static JSONSchemaProps schema() {
        try {
            CustomResourceDefinition crd = Serialization.unmarshal(
                    Files.readString(Path.of("../crds/decentralizedganjobs.dgan.io-v1.yml")), CustomResourceDefinition.class);
            return crd.getSpec().getVersions().get(0).getSchema().getOpenAPIV3Schema();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
