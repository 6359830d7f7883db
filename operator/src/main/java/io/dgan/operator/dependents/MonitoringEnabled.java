package io.dgan.operator.dependents;

import io.dgan.operator.crd.DecentralizedGANJob;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.dependent.DependentResource;
import io.javaoperatorsdk.operator.processing.dependent.workflow.Condition;

/** Reconcile the PodMonitor only while the job asks for one. */
public class MonitoringEnabled implements Condition<Object, DecentralizedGANJob> {
    @Override
    public boolean isMet(DependentResource<Object, DecentralizedGANJob> dependent, DecentralizedGANJob job,
                         Context<DecentralizedGANJob> context) {
        return job.getSpec().monitoring != null && Boolean.TRUE.equals(job.getSpec().monitoring.podMonitor);
    }
}
