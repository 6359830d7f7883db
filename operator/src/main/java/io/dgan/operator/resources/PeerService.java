package io.dgan.operator.resources;

import io.dgan.operator.crd.DecentralizedGANJob;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;

/**
 * The headless Service that gives every worker its DNS name {@code <job>-worker-<i>.<job>-peers}.
 * publishNotReadyAddresses: a worker must resolve its neighbours before they are ready, or start-up deadlocks
 * (each worker's readiness waits on its peers' gossip).
 */
public final class PeerService {
    private PeerService() {
    }

    public static Service desired(DecentralizedGANJob job) {
        String name = job.getMetadata().getName();
        return new ServiceBuilder()
                .withMetadata(Owners.ownedMetadata(job, Names.peerService(name)))
                .withNewSpec()
                    .withClusterIP("None")
                    .withPublishNotReadyAddresses(true)
                    .withSelector(Labels.workerSelector(name))
                    .addNewPort().withName("gossip").withProtocol("TCP")
                        .withPort(job.getSpec().topology.gossipPort).endPort()
                    .addNewPort().withName("metrics").withProtocol("TCP")
                        .withPort(job.getSpec().monitoring.metricsPort).endPort()
                .endSpec()
                .build();
    }
}
