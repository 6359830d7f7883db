package io.dgan.operator.dependents;

import io.dgan.operator.crd.DecentralizedGANJob;
import io.dgan.operator.monitoring.PodMonitor;
import io.dgan.operator.resources.Labels;
import io.dgan.operator.resources.WorkerPodMonitor;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.CRUDKubernetesDependentResource;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;

/** The PodMonitor. Activated only when the cluster has its CRD (JOSDK's CRDPresentActivationCondition, which
 * also starts the informer only then) and reconciled only while spec.monitoring.podMonitor is true
 * ({@link MonitoringEnabled}; turning it off deletes the PodMonitor). */
@KubernetesDependent(informer = @Informer(labelSelector = Labels.MANAGED_BY + "=" + Labels.OPERATOR))
public class PodMonitorDependent extends CRUDKubernetesDependentResource<PodMonitor, DecentralizedGANJob> {
    public PodMonitorDependent() {
        super(PodMonitor.class);
    }

    @Override
    protected PodMonitor desired(DecentralizedGANJob job, Context<DecentralizedGANJob> context) {
        return WorkerPodMonitor.desired(job, context.managedWorkflowAndDependentResourceContext()
                .get(io.dgan.operator.reconcile.ClusterPolicy.CONTEXT_KEY, io.dgan.operator.reconcile.ClusterPolicy.class)
                .orElse(io.dgan.operator.reconcile.ClusterPolicy.none()));
    }
}
