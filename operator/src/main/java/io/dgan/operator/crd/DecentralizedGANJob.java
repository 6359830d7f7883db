package io.dgan.operator.crd;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Kind;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Singular;
import io.fabric8.kubernetes.model.annotation.Version;

/**
 * A decentralized GAN training job: M workers, each training its own G and D, averaging parameters with its
 * neighbours in a communication graph. Printer columns (the generator orders them by JSON path, so kubectl shows
 * Age, Topology, Phase, Step, Ready): Phase, Ready (ready/desired), Topology, Step, Age.
 */
@Group(DecentralizedGANJob.GROUP)
@Version(DecentralizedGANJob.VERSION)
@Kind("DecentralizedGANJob")
@Plural("decentralizedganjobs")
@Singular("decentralizedganjob")
@ShortNames({"dganjob", "dgj"})
@io.fabric8.kubernetes.model.annotation.Categories({"all", "ml", "dgan"})
@io.fabric8.generator.annotation.ValidationRule(value = "self.metadata.name.matches('^[a-z]([-a-z0-9]*[a-z0-9])?$')",
        message = "metadata.name must be a DNS-1035 label (lower-case letters, digits and '-', starting with a letter "
                + "and ending with a letter or digit): it names the workers' Service and pod hostnames",
        reason = "FieldValueInvalid")
@io.fabric8.generator.annotation.ValidationRule(value = "size(self.metadata.name) <= 45",
        message = "metadata.name must be at most 45 characters: <name>-worker-<rank> is a 63-character DNS label",
        reason = "FieldValueInvalid")
@AdditionalPrinterColumn(name = "Phase", jsonPath = ".status.phase", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Ready", jsonPath = ".status.ready", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Topology", jsonPath = ".spec.topology.type", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Step", jsonPath = ".status.progress.medianStep", type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp", type = AdditionalPrinterColumn.Type.DATE)
public class DecentralizedGANJob extends CustomResource<DecentralizedGANJobSpec, DecentralizedGANJobStatus>
        implements Namespaced {
    public static final String GROUP = "dgan.io";
    public static final String VERSION = "v1alpha1";

    @Override
    protected DecentralizedGANJobStatus initStatus() {
        return new DecentralizedGANJobStatus();
    }
}
