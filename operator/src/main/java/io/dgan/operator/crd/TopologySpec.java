package io.dgan.operator.crd;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.ValidationRule;

/** The communication graph. Static types get a fixed W; schedules (OnePeerHypercube, RandomRing,
 * RandomMatching) are redrawn every iteration by the workers from the shared seed. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class TopologySpec {
    public static final java.util.List<String> TYPES = java.util.List.of(
            "Ring", "Torus", "Hypercube", "Exponential", "Complete", "OnePeerHypercube", "RandomRing", "RandomMatching");

    @Default("Ring")
    @ValidationRule(value = "self in ['Ring', 'Torus', 'Hypercube', 'Exponential', 'Complete', 'OnePeerHypercube', "
            + "'RandomRing', 'RandomMatching']",
            message = "spec.topology.type must be one of Ring, Torus, Hypercube, Exponential, Complete, "
                    + "OnePeerHypercube, RandomRing, RandomMatching")
    public String type = "Ring";

    @Min(1)
    @Default("1")
    public Integer gossipRounds = 1;

    @Min(0)
    @Default("0")
    public Long seed = 0L;

    /** Port every worker serves gossip on (the NetworkPolicy admits it only from the job's own workers). */
    @Min(1)
    @io.fabric8.generator.annotation.Max(65535)
    @Default("7070")
    public Integer gossipPort = 7070;
}
