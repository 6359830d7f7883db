package io.dgan.operator.dependents;

import io.dgan.operator.crd.DecentralizedGANJob;
import io.dgan.operator.resources.*;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.CRUDKubernetesDependentResource;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;

/** The NetworkPolicy fencing the gossip and metrics ports. */
@KubernetesDependent(informer = @Informer(labelSelector = Labels.MANAGED_BY + "=" + Labels.OPERATOR))
public class NetworkPolicyDependent extends CRUDKubernetesDependentResource<NetworkPolicy, DecentralizedGANJob> {
    public NetworkPolicyDependent() {
        super(NetworkPolicy.class);
    }

    @Override
    protected NetworkPolicy desired(DecentralizedGANJob job, Context<DecentralizedGANJob> context) {
        return GossipNetworkPolicy.desired(job, context.managedWorkflowAndDependentResourceContext()
                .get(io.dgan.operator.reconcile.ClusterPolicy.CONTEXT_KEY, io.dgan.operator.reconcile.ClusterPolicy.class)
                .orElse(io.dgan.operator.reconcile.ClusterPolicy.none()));
    }
}
