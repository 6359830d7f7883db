package io.dgan.operator.dependents;

import io.dgan.operator.crd.DecentralizedGANJob;
import io.dgan.operator.resources.Labels;
import io.dgan.operator.resources.TopologyConfigMap;
import io.dgan.operator.topology.TopologyPlan;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.CRUDKubernetesDependentResource;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;

/** The versioned topology ConfigMap. The plan (W for the current epoch and surviving ranks) is computed once per
 * reconcile by the reconciler, from the job's status, and handed over through the workflow context. */
@KubernetesDependent(informer = @Informer(labelSelector = Labels.MANAGED_BY + "=" + Labels.OPERATOR))
public class TopologyConfigMapDependent extends CRUDKubernetesDependentResource<ConfigMap, DecentralizedGANJob> {
    public static final String PLAN_KEY = "dgan.topologyPlan";

    public TopologyConfigMapDependent() {
        super(ConfigMap.class);
    }

    @Override
    protected ConfigMap desired(DecentralizedGANJob job, Context<DecentralizedGANJob> context) {
        TopologyPlan plan = context.managedWorkflowAndDependentResourceContext().getMandatory(PLAN_KEY, TopologyPlan.class);
        return TopologyConfigMap.desired(job, plan);
    }
}
