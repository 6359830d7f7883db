package io.dgan.operator.dependents;

import io.dgan.operator.crd.DecentralizedGANJob;
import io.dgan.operator.resources.*;
import io.fabric8.kubernetes.api.model.Service;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.Matcher;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.CRUDKubernetesDependentResource;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;

/** The headless peer-DNS Service. */
@KubernetesDependent(informer = @Informer(labelSelector = Labels.MANAGED_BY + "=" + Labels.OPERATOR))
public class PeerServiceDependent extends CRUDKubernetesDependentResource<Service, DecentralizedGANJob> {
    public PeerServiceDependent() {
        super(Service.class);
    }

    @Override
    protected Service desired(DecentralizedGANJob job, Context<DecentralizedGANJob> context) {
        return PeerService.desired(job);
    }

    /** Only the fields the operator sets decide whether the Service needs an update (see {@link PeerService}). */
    @Override
    public Matcher.Result<Service> match(Service actual, Service desired, DecentralizedGANJob job,
                                         Context<DecentralizedGANJob> context) {
        return Matcher.Result.computed(PeerService.hasOwnedFields(actual, desired), desired);
    }
}
