package io.dgan.operator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import io.dgan.operator.TestJobs;
import io.dgan.operator.crd.DecentralizedGANJob;
import org.junit.jupiter.api.Test;

/** The validator names the field in every message; the classifier picks the least disruptive action. */
class SpecRulesTest {
    final SpecValidator validator = new SpecValidator();

    @Test
    void aGoodSpecHasNoErrors() {
        assertThat(validator.validate(TestJobs.job("gan", 8, "Hypercube"))).isEmpty();
    }

    @Test
    void everyErrorStartsWithItsField() {
        DecentralizedGANJob job = TestJobs.job("gan", 6, "Hypercube");
        job.getSpec().optimizer.lrDiscriminator = 0.0;
        job.getSpec().optimizer.beta2 = 1.0;
        job.getSpec().dataset.type = "imagenet";
        job.getSpec().failurePolicy.minHealthyWorkers = 7;
        job.getSpec().template.getSpec().getContainers().get(0).setImage(null);
        assertThat(validator.validate(job)).extracting(e -> e.substring(0, e.indexOf(':'))).containsExactlyInAnyOrder(
                "spec.topology.type", "spec.optimizer.lrDiscriminator", "spec.optimizer.beta2", "spec.dataset.type",
                "spec.failurePolicy.minHealthyWorkers", "spec.template.spec.containers[worker].image");
    }

    /** The reconstructed optimizer choices: initialDirection oracle or zero; averageMoments only where moments gossip. */
    @Test
    void reconstructedOptimizerChoicesAreChecked() {
        DecentralizedGANJob job = TestJobs.job("gan", 8, "Hypercube");
        job.getSpec().optimizer.averageMoments = true;
        job.getSpec().optimizer.initialDirection = "zero";
        assertThat(validator.validate(job)).isEmpty();
        job.getSpec().optimizer.initialDirection = "random";
        job.getSpec().optimizer.algorithm = "cp-oadam";
        assertThat(validator.validate(job)).extracting(e -> e.substring(0, e.indexOf(':'))).containsExactlyInAnyOrder(
                "spec.optimizer.initialDirection", "spec.optimizer.averageMoments");
    }

    @Test
    void aTorusNeedsTwoFactorsOfAtLeastTwo() {
        assertThat(validator.validate(TestJobs.job("gan", 10, "Torus"))).isEmpty();
        assertThat(validator.validate(TestJobs.job("gan", 7, "Torus"))).singleElement()
                .asString().startsWith("spec.topology.type");
    }

    @Test
    void changesAreClassifiedByTheLeastDisruptiveAction() {
        DecentralizedGANJob job = TestJobs.job("gan", 4, "Ring");
        var applied = SpecChange.snapshot(job.getSpec());
        job.getSpec().runPolicy.ttlSecondsAfterFinished = 60L;
        assertThat(SpecChange.classify(applied, job.getSpec())).isEqualTo(SpecChange.IGNORE);
        job.getSpec().topology.gossipRounds = 2;
        assertThat(SpecChange.classify(applied, job.getSpec())).isEqualTo(SpecChange.REWIRE);
        job.getSpec().workers = 8;
        assertThat(SpecChange.classify(applied, job.getSpec())).isEqualTo(SpecChange.SCALE);
        job.getSpec().optimizer.lrGenerator = 1e-4;
        assertThat(SpecChange.classify(applied, job.getSpec())).isEqualTo(SpecChange.RESTART);
    }
}
