package io.dgan.operator;

import io.dgan.operator.crd.DatasetSpec;
import io.dgan.operator.crd.DecentralizedGANJob;
import io.dgan.operator.crd.DecentralizedGANJobSpec;
import io.dgan.operator.crd.ModelSpec;
import io.dgan.operator.crd.OptimizerSpec;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.PodTemplateSpecBuilder;

/** Jobs for tests, built like a user would write them. */
public final class TestJobs {
    private TestJobs() {
    }

    public static DecentralizedGANJob job(String name, int workers, String topology) {
        DecentralizedGANJob job = new DecentralizedGANJob();
        job.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace("training").withUid("uid-" + name)
                .withGeneration(1L).build());
        DecentralizedGANJobSpec spec = new DecentralizedGANJobSpec();
        spec.workers = workers;
        spec.model = new ModelSpec();
        spec.model.type = "dcgan";
        spec.dataset = new DatasetSpec();
        spec.dataset.type = "fashion-mnist";
        spec.optimizer = new OptimizerSpec();
        spec.optimizer.algorithm = "dp-oadam";
        spec.topology.type = topology;
        spec.template = new PodTemplateSpecBuilder().withNewSpec()
                .addNewContainer().withName("worker").withImage("ghcr.io/dgan/worker:0.1.0").endContainer()
                .endSpec().build();
        job.setSpec(spec);
        return job;
    }
}
