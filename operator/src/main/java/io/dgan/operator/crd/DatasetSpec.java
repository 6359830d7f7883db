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
    /** iid, or dirichlet:&lt;alpha&gt;: non-iid by label, each class split among the ranks by Dirichlet(alpha). */
    public static final java.util.regex.Pattern PARTITION =
            java.util.regex.Pattern.compile("iid|dirichlet:([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][-+]?[0-9]+)?");

    @Required
    @ValidationRule(value = "self in ['fashion-mnist', 'mnist', 'cifar10', 'synthetic']",
            message = "spec.dataset.type must be one of fashion-mnist, mnist, cifar10, synthetic")
    public String type;

    /** Path of the data inside the worker container. */
    @Default("/data")
    public String path = "/data";

    /** Name of a volume in the pod template that holds the data; mounted read-only at {@link #path}. */
    public String volume;

    /** How the training set is split among the ranks: iid, or dirichlet:&lt;alpha&gt; (non-iid by label). */
    @Default("iid")
    @ValidationRule(value = "self.matches('^(iid|dirichlet:([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][-+]?[0-9]+)?)$')",
            message = "spec.dataset.partition must be iid or dirichlet:<alpha> with alpha > 0 (non-iid by label)")
    @com.fasterxml.jackson.annotation.JsonPropertyDescription("How the training set is split among the ranks: iid "
            + "(uniformly at random) or dirichlet:<alpha> (each class split among the ranks by Dirichlet(alpha); "
            + "0.1 is strongly non-iid). Synthetic data is always iid.")
    public String partition = "iid";
}
