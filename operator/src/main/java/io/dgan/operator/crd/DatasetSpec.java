package io.dgan.operator.crd;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.ValidationRule;

/** Where the training data is: a path inside the worker (usually a volume of the pod template) and how it is
 * split among ranks. Immutable: re-partitioning under a running job would mix samples between ranks. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = "self == oldSelf", message = "spec.dataset is immutable")
public class DatasetSpec {
    public static final java.util.List<String> TYPES = java.util.List.of("fashion-mnist", "mnist", "cifar10", "synthetic");
    public static final java.util.List<String> PARTITIONS = java.util.List.of("iid", "shard", "full");

    @Required
    @ValidationRule(value = "self in ['fashion-mnist', 'mnist', 'cifar10', 'synthetic']",
            message = "spec.dataset.type must be one of fashion-mnist, mnist, cifar10, synthetic")
    public String type;

    /** Path of the data inside the worker container. */
    @Default("/data")
    public String path = "/data";

    /** Name of a volume in the pod template that holds the data; mounted read-only at {@link #path}. */
    public String volume;

    @Default("iid")
    @ValidationRule(value = "self in ['iid', 'shard', 'full']", message = "spec.dataset.partition must be iid, shard or full")
    public String partition = "iid";
}
