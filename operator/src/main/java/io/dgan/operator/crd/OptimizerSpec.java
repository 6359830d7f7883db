package io.dgan.operator.crd;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.ValidationRule;

/** Optimizer: the decentralized algorithm and its hyperparameters (separate G and D rates, TTUR). */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class OptimizerSpec {
    public static final java.util.List<String> ALGORITHMS = java.util.List.of("dp-oadam", "dposg", "rand-dp-oadam", "cp-oadam");

    @Required
    @ValidationRule(value = "self in ['dp-oadam', 'dposg', 'rand-dp-oadam', 'cp-oadam']",
            message = "spec.optimizer.algorithm must be one of dp-oadam, dposg, rand-dp-oadam, cp-oadam")
    public String algorithm;

    @Min(value = 0, inclusive = false)
    @Default("0.0002")
    public Double lrGenerator = 2e-4;

    @Min(value = 0, inclusive = false)
    @Default("0.0002")
    public Double lrDiscriminator = 2e-4;

    @Min(0)
    @Max(value = 1, inclusive = false)
    @Default("0.5")
    public Double beta1 = 0.5;

    @Min(0)
    @Max(value = 1, inclusive = false)
    @Default("0.999")
    public Double beta2 = 0.999;

    @Min(1)
    @Default("64")
    public Integer batchSize = 64;

    /** Also gossip Adam's moments m and v (dp-oadam, rand-dp-oadam); a reconstructed choice, off by default. */
    @Default("false")
    public Boolean averageMoments = false;

    /** d_0 of the first optimistic half step: "oracle" (g_0 = gradient at x_0) or "zero"; reconstructed. */
    @ValidationRule(value = "self in ['oracle', 'zero']", message = "spec.optimizer.initialDirection must be oracle or zero")
    @Default("oracle")
    public String initialDirection = "oracle";
}
