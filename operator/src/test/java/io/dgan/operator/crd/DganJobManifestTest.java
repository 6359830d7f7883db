package io.dgan.operator.crd;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dgan.operator.reconcile.SpecValidator;
import io.dgan.operator.resources.TrainingConfigMap;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The manifests {@code dgan job} writes are admitted by the committed CRD's schema and CEL rules and by the
 * operator's validator, and the operator hands every training setting in them to the workers unchanged: the training
 * ConfigMap it renders holds the manifest's model, dataset, optimizer and training sections field for field (a field
 * the operator's classes did not know would be dropped there).
 */
class DganJobManifestTest {
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void manifestsOfLocalRunsAreAdmittedAndReachTheWorkersWhole() throws Exception {
        Assumptions.assumeTrue(DganJobManifests.available(), "worker jar not built: " + DganJobManifests.JAR);
        for (String yaml : DganJobManifests.write(dir)) {
            JsonNode manifest = CrdRulesTest.YAML.readTree(yaml);
            assertThat(SchemaCheck.violations(CrdRulesTest.SCHEMA, manifest, null)).as(yaml).isEmpty();
            DecentralizedGANJob job = Serialization.unmarshal(yaml, DecentralizedGANJob.class);
            assertThat(new SpecValidator().validate(job)).as(yaml).isEmpty();
            JsonNode rendered = JSON.readTree(TrainingConfigMap.toJson(job.getSpec()));
            for (String section : List.of("model", "dataset", "optimizer", "training")) {
                DganJobManifests.assertHolds(rendered.get(section), manifest.at("/spec/" + section), section + " in " + yaml);
            }
            assertThat(job.getSpec().workers).isEqualTo(manifest.at("/spec/workers").asInt());
            assertThat(job.getSpec().topology.seed).isEqualTo(manifest.at("/spec/topology/seed").asLong());
        }
    }
}
