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

    /**
     * Never publishes an older epoch over a newer one. The plan's epoch comes from the job's status, floored by the
     * published epoch as the reconciler's informer cache saw it; when that cache lags a newer ConfigMap (a status
     * write lost after publishing, then a reconcile racing the ConfigMap event), writing the plan would move the
     * workers' epoch backwards. Skipping the write is safe: the newer ConfigMap's event brings a reconcile that
     * adopts its epoch.
     */
    @Override
    public ConfigMap update(ConfigMap actual, ConfigMap desired, DecentralizedGANJob job,
                            Context<DecentralizedGANJob> context) {
        if (epochOf(actual) > epochOf(desired)) {
            return actual;
        }
        return super.update(actual, desired, job, context);
    }

    static long epochOf(ConfigMap cm) {
        var annotations = cm == null ? null : cm.getMetadata().getAnnotations();
        String epoch = annotations == null ? null : annotations.get(TopologyConfigMap.EPOCH_ANNOTATION);
        try {
            return epoch == null ? 0L : Long.parseLong(epoch);
        } catch (NumberFormatException e) {
            return 0L; // not ours to interpret: let the plan replace it
        }
    }
}
