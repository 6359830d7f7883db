package io.dgan.operator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import io.dgan.operator.TestJobs;
import io.dgan.operator.crd.DecentralizedGANJob;
import java.util.List;
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
        job.getSpec().failurePolicy.receiveTimeoutSeconds = 0L;
        job.getSpec().template.getSpec().getContainers().get(0).setImage(null);
        assertThat(validator.validate(job)).extracting(e -> e.substring(0, e.indexOf(':'))).containsExactlyInAnyOrder(
                "spec.topology.type", "spec.optimizer.lrDiscriminator", "spec.optimizer.beta2", "spec.dataset.type",
                "spec.failurePolicy.minHealthyWorkers", "spec.failurePolicy.receiveTimeoutSeconds",
                "spec.template.spec.containers[worker].image");
    }

    @Test
    void thePartitionAndTheModelsDataAreWhatTheWorkerImplements() {
        DecentralizedGANJob job = TestJobs.job("gan", 8, "Hypercube");
        job.getSpec().dataset.partition = "dirichlet:0.1";
        assertThat(validator.validate(job)).isEmpty();
        job.getSpec().dataset.partition = "dirichlet:0";
        job.getSpec().model.type = "mlp";
        assertThat(validator.validate(job)).containsExactlyInAnyOrder(
                "spec.dataset.partition: must be iid or dirichlet:<alpha> with alpha > 0, got 'dirichlet:0'",
                "spec.model.type: mlp cannot train on spec.dataset.type " + job.getSpec().dataset.type
                        + " (mlp trains on synthetic 2-D points; dcgan, dcgan-small and resnet-wgan-gp on images: "
                        + "fashion-mnist, mnist, cifar10)");
        job.getSpec().dataset.partition = "shard";
        job.getSpec().dataset.type = "synthetic";
        assertThat(validator.validate(job)).singleElement().asString().startsWith("spec.dataset.partition:");
    }

    /**
     * The reconstructed optimizer choices: initialDirection oracle or zero; averageMoments and a neighbourhood
     * secondMoment only where the algorithm gossips; secondMoment local or neighbourhood.
     */
    @Test
    void reconstructedOptimizerChoicesAreChecked() {
        DecentralizedGANJob job = TestJobs.job("gan", 8, "Hypercube");
        job.getSpec().optimizer.averageMoments = true;
        job.getSpec().optimizer.initialDirection = "zero";
        job.getSpec().optimizer.secondMoment = "neighbourhood";
        assertThat(validator.validate(job)).isEmpty();
        job.getSpec().optimizer.initialDirection = "random";
        job.getSpec().optimizer.algorithm = "cp-oadam";
        assertThat(validator.validate(job)).extracting(e -> e.substring(0, e.indexOf(':'))).containsExactlyInAnyOrder(
                "spec.optimizer.initialDirection", "spec.optimizer.averageMoments", "spec.optimizer.secondMoment");
        assertThat(validator.validate(job)).contains(
                "spec.optimizer.secondMoment: neighbourhood applies to dp-oadam and rand-dp-oadam, not cp-oadam");
        job.getSpec().optimizer.secondMoment = "global";
        assertThat(validator.validate(job)).contains(
                "spec.optimizer.secondMoment: must be local or neighbourhood, got 'global'");
    }

    @Test
    void theLossAndTheTrainingSeedAreChecked() {
        DecentralizedGANJob job = TestJobs.job("gan", 4, "Ring");
        job.getSpec().optimizer.loss = "hinge+r1:5";
        job.getSpec().training.seed = 3L;
        assertThat(validator.validate(job)).isEmpty();
        job.getSpec().optimizer.loss = "wgan-gp+r1";
        job.getSpec().training.seed = -3L;
        assertThat(validator.validate(job)).containsExactlyInAnyOrder(
                "spec.optimizer.loss: must be bce, hinge or wgan-gp[:lambda], optionally followed by +r1[:gamma] or "
                        + "+r2[:gamma] (wgan-gp only as wgan-gp:0+r1 or +r2), got 'wgan-gp+r1'",
                "spec.training.seed: must be at least 0, got -3");
    }

    @Test
    void jobNamesMustBeDns1035LabelsBecauseTheyNameAServiceAndPods() {
        for (String bad : List.of("gan.v2", "1gan", "Gan", "gan-", "gan_x")) {
            assertThat(validator.validate(TestJobs.job(bad, 2, "Ring"))).as(bad).singleElement()
                    .satisfies(e -> assertThat(e).startsWith("metadata.name: '" + bad + "' is not a DNS-1035 label"));
        }
        assertThat(validator.validate(TestJobs.job("gan-v2", 2, "Ring"))).isEmpty();
        assertThat(validator.validate(TestJobs.job("g", 2, "Ring"))).isEmpty();
    }

    @Test
    void workersAreBoundedByWhatTheTopologyConfigMapAndItsAnalysisHold() {
        assertThat(validator.validate(TestJobs.job("gan", 1025, "Ring"))).singleElement()
                .isEqualTo("spec.workers: at most 1024, got 1025");
        assertThat(validator.validate(TestJobs.job("gan", 257, "Complete"))).singleElement()
                .isEqualTo("spec.workers: at most 256 on a Complete graph, got 257");
    }

    @Test
    void aCheckpointVolumeIsValidated() {
        DecentralizedGANJob job = TestJobs.job("gan", 2, "Ring");
        job.getSpec().training.checkpointVolume = new io.dgan.operator.crd.CheckpointVolumeSpec();
        job.getSpec().training.checkpointVolume.size = "5 gigs";
        job.getSpec().training.checkpointVolume.accessModes = List.of("ReadWriteSometimes");
        assertThat(validator.validate(job)).containsExactly(
                "spec.training.checkpointVolume.size: must be a quantity such as 1Gi or 500Mi, got 5 gigs",
                "spec.training.checkpointVolume.accessModes: unknown access mode 'ReadWriteSometimes' (expected one of "
                        + "ReadWriteOnce, ReadWriteOncePod, ReadWriteMany)");
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

    @Test
    void restartNonceRestartsTheWorkersAndAnUnsetOneLeavesTheHashAsItWas() {
        DecentralizedGANJob job = TestJobs.job("gan", 4, "Ring");
        String before = io.dgan.operator.resources.RestartHash.of(job.getSpec());
        var applied = SpecChange.snapshot(job.getSpec());
        job.getSpec().restartNonce = null;
        assertThat(io.dgan.operator.resources.RestartHash.of(job.getSpec())).isEqualTo(before);
        job.getSpec().restartNonce = 1L;
        assertThat(SpecChange.classify(applied, job.getSpec())).isEqualTo(SpecChange.RESTART);
        var withNonce = SpecChange.snapshot(job.getSpec());
        job.getSpec().restartNonce = 2L;
        assertThat(SpecChange.classify(withNonce, job.getSpec())).isEqualTo(SpecChange.RESTART);
    }

    @Test
    void aFailedJobRunsAgainWhenWhatItsWorkersSeeChanges() {
        DecentralizedGANJob job = TestJobs.job("gan", 4, "Ring");
        var applied = SpecChange.snapshot(job.getSpec());
        String failed = DecentralizedGANJobReconciler.PHASE_FAILED;
        assertThat(Rerun.decide(failed, applied, job.getSpec(), null)).as("unchanged").isEmpty();
        job.getSpec().runPolicy.activeDeadlineSeconds = 7200L;
        job.getSpec().failurePolicy.maxRestarts = 10;
        assertThat(Rerun.decide(failed, applied, job.getSpec(), null)).as("a deadline or budget alone").isEmpty();
        job.getSpec().optimizer.lrGenerator = 1e-5;
        Rerun rerun = Rerun.decide(failed, applied, job.getSpec(), null).orElseThrow();
        assertThat(rerun.from()).isEqualTo(failed);
        assertThat(rerun.message()).startsWith("the spec changed after the job failed (template, model, dataset, "
                + "optimizer, training or restartNonce): running it again, with a new restart budget; the workers "
                + "resume from the newest checkpoint every rank has in spec.training.checkpointDir (from iteration 0 "
                + "if it was on the pods' emptyDir volumes");
        job.getSpec().optimizer.lrGenerator = TestJobs.job("gan", 4, "Ring").getSpec().optimizer.lrGenerator;
        job.getSpec().workers = 8;
        job.getSpec().training.checkpointVolume = null;
        assertThat(Rerun.decide(failed, applied, job.getSpec(), null).orElseThrow().message())
                .contains("(workers 4 -> 8)");
        job.getSpec().workers = 4;
        job.getSpec().topology.type = "Complete";
        assertThat(Rerun.decide(failed, applied, job.getSpec(), null).orElseThrow().message()).contains("(topology)");
        job.getSpec().topology.type = "Ring";
        job.getSpec().restartNonce = 1L;
        job.getSpec().training.checkpointVolume = new io.dgan.operator.crd.CheckpointVolumeSpec();
        assertThat(Rerun.decide(failed, applied, job.getSpec(), null).orElseThrow().message())
                .endsWith("in spec.training.checkpointDir (the job's checkpoint claims)");
        assertThat(Rerun.decide(failed, null, job.getSpec(), null)).as("never applied").isEmpty();
        assertThat(Rerun.decide(DecentralizedGANJobReconciler.PHASE_RUNNING, applied, job.getSpec(), null))
                .as("a running job restarts by SpecChange, not by a rerun").isEmpty();
    }

    @Test
    void aSucceededJobRunsAgainOnlyForMoreIterations() {
        DecentralizedGANJob job = TestJobs.job("gan", 4, "Ring");
        var applied = SpecChange.snapshot(job.getSpec());
        String succeeded = DecentralizedGANJobReconciler.PHASE_SUCCEEDED;
        long finished = job.getSpec().training.iterations;
        job.getSpec().optimizer.lrGenerator = 1e-5;
        job.getSpec().restartNonce = 3L;
        assertThat(Rerun.decide(succeeded, applied, job.getSpec(), finished)).as("other changes").isEmpty();
        job.getSpec().training.iterations = finished - 1;
        assertThat(Rerun.decide(succeeded, applied, job.getSpec(), finished)).as("fewer").isEmpty();
        job.getSpec().training.iterations = finished + 500;
        assertThat(Rerun.decide(succeeded, applied, job.getSpec(), null)).as("finish unknown").isEmpty();
        Rerun rerun = Rerun.decide(succeeded, applied, job.getSpec(), finished).orElseThrow();
        assertThat(rerun.from()).isEqualTo(succeeded);
        assertThat(rerun.message()).startsWith("spec.training.iterations raised to " + (finished + 500)
                + " after the job finished " + finished + ": training goes on; the workers resume from the newest "
                + "checkpoint every rank has");
    }

    /**
     * Pods carry the hash of the spec they run; an operator whose hash of the same spec differs restarts every worker
     * of every job when it is upgraded. A new field the workers do not see stays out of the hash, and a new field
     * they do see enters it only when set: these values were computed before either kind was added.
     */
    @Test
    void theRestartHashOfAnUnchangedSpecStaysAcrossOperatorVersions() {
        DecentralizedGANJob job = TestJobs.job("gan", 4, "Ring");
        assertThat(io.dgan.operator.resources.RestartHash.of(job.getSpec())).isEqualTo("b225ea2ef301f92b");
        job.getSpec().training.checkpointVolume = new io.dgan.operator.crd.CheckpointVolumeSpec();
        job.getSpec().training.checkpointVolume.size = "1Gi";
        job.getSpec().training.checkpointVolume.storageClassName = "standard-rwo";
        assertThat(io.dgan.operator.resources.RestartHash.of(job.getSpec())).isEqualTo("07ecafbd9176b43f");
        // The API server fills in whenDeleted's default on jobs stored before it existed; no worker sees it.
        for (String whenDeleted : List.of("Delete", "Retain")) {
            job.getSpec().training.checkpointVolume.whenDeleted = whenDeleted;
            assertThat(io.dgan.operator.resources.RestartHash.of(job.getSpec())).as(whenDeleted).isEqualTo("07ecafbd9176b43f");
            assertThat(SpecChange.snapshot(job.getSpec()).checkpointsWhenDeleted).isEqualTo(whenDeleted);
        }
        // Fields added later enter the hash only when set, as restartNonce does.
        job.getSpec().training.seed = 0L;
        assertThat(io.dgan.operator.resources.RestartHash.of(job.getSpec())).as("seed set").isNotEqualTo("07ecafbd9176b43f");
        job.getSpec().training.seed = null;
        job.getSpec().optimizer.loss = "bce";
        assertThat(io.dgan.operator.resources.RestartHash.of(job.getSpec())).as("loss set").isNotEqualTo("07ecafbd9176b43f");
        job.getSpec().optimizer.loss = null;
        job.getSpec().training.checkpointVolume.whenDeleted = "Keep";
        assertThat(validator.validate(job)).containsExactly(
                "spec.training.checkpointVolume.whenDeleted: must be Delete or Retain, got Keep");
    }
}
