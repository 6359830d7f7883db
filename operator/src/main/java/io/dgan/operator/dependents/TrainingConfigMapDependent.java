package io.dgan.operator.dependents;

import io.dgan.operator.crd.DecentralizedGANJob;
import io.dgan.operator.resources.*;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.CRUDKubernetesDependentResource;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;

/** The training configuration JSON every worker mounts at DGAN_CONFIG_FILE. */
@KubernetesDependent(informer = @Informer(labelSelector = Labels.MANAGED_BY + "=" + Labels.OPERATOR))
public class TrainingConfigMapDependent extends CRUDKubernetesDependentResource<ConfigMap, DecentralizedGANJob> {
    public TrainingConfigMapDependent() {
        super(ConfigMap.class);
    }

    @Override
    protected ConfigMap desired(DecentralizedGANJob job, Context<DecentralizedGANJob> context) {
        return TrainingConfigMap.desired(job);
    }
}
