package io.dgan.operator.monitoring;

import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Kind;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.Version;

/**
 * The Prometheus Operator's PodMonitor (monitoring.coreos.com/v1), modelled as a small typed resource rather
 * than a GenericKubernetesResource: a typed class carries its plural, so the informer needs no API discovery
 * (which fails when the CRD is absent, and the mock has none), and JOSDK's CRDPresentActivationCondition can
 * name its CRD. Only the fields the operator writes are modelled.
 */
@Group("monitoring.coreos.com")
@Version("v1")
@Kind("PodMonitor")
@Plural("podmonitors")
public class PodMonitor extends CustomResource<PodMonitorSpec, Void> implements Namespaced {
}
