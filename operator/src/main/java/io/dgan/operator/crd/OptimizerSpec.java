package io.dgan.operator.crd;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.ValidationRule;

/** Optimizer: the decentralized algorithm and its hyperparameters (separate G and D rates, TTUR). */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class OptimizerSpec {
    static final String PRESET_NOTE = "Left out: the value of the preset of the model and dataset (the recipe behind "
            + "the documented result; docs/reference/cli.md, dgan train --preset), else ";

    public static final java.util.List<String> ALGORITHMS = java.util.List.of("dp-oadam", "dposg", "rand-dp-oadam", "cp-oadam");

    @Required
    @ValidationRule(value = "self in ['dp-oadam', 'dposg', 'rand-dp-oadam', 'cp-oadam']",
            message = "spec.optimizer.algorithm must be one of dp-oadam, dposg, rand-dp-oadam, cp-oadam")
    public String algorithm;

    /** A loss as dgan train --loss takes it (the worker's parser has the last word: a loss it cannot build exits 2).
     * wgan-gp carries its own penalty, so it takes r1 or r2 only with its weight 0. */
    private static final String LOSS_REGEX = "(bce|ns|hinge|wgan-gp:0+([.]0*)?)([+]r[12](:[0-9]+[.]?[0-9]*([eE][-+]?[0-9]+)?)?)?"
            + "|wgan-gp(:[0-9]+[.]?[0-9]*([eE][-+]?[0-9]+)?)?";
    public static final java.util.regex.Pattern LOSS = java.util.regex.Pattern.compile(LOSS_REGEX);

    // No schema defaults for the recipe: the worker fills what a job leaves out from the preset, as dgan train does.
    // maxLength bounds the rule's estimated cost, which the API server refuses above its budget.
    @io.fabric8.generator.annotation.Size(max = 64)
    @ValidationRule(value = "self.matches('^(" + LOSS_REGEX + ")$')",
            message = "spec.optimizer.loss must be bce, hinge or wgan-gp[:lambda], optionally followed by +r1[:gamma] "
                    + "or +r2[:gamma] (wgan-gp only as wgan-gp:0+r1 or +r2)")
    @JsonPropertyDescription("The adversarial loss, as dgan train --loss takes it: bce (non-saturating), hinge or "
            + "wgan-gp[:lambda], optionally with a zero-centred gradient penalty +r1[:gamma] (at the real samples) or "
            + "+r2[:gamma] (at the generated ones), e.g. bce+r1:10. " + PRESET_NOTE + "bce")
    public String loss;

    @Min(value = 0, inclusive = false)
    @JsonPropertyDescription(PRESET_NOTE + "0.0002")
    public Double lrGenerator;

    @Min(value = 0, inclusive = false)
    @JsonPropertyDescription(PRESET_NOTE + "0.0002")
    public Double lrDiscriminator;

    @Min(0)
    @Max(value = 1, inclusive = false)
    @JsonPropertyDescription(PRESET_NOTE + "0.5")
    public Double beta1;

    @Min(0)
    @Max(value = 1, inclusive = false)
    @JsonPropertyDescription(PRESET_NOTE + "0.999")
    public Double beta2;

    @Min(1)
    @JsonPropertyDescription(PRESET_NOTE + "64")
    public Integer batchSize;

    /** Also gossip Adam's moments m and v (dp-oadam, rand-dp-oadam); a reconstructed choice, off by default. */
    @Default("false")
    public Boolean averageMoments = false;

    /** d_0 of the first optimistic half step: "oracle" (g_0 = gradient at x_0) or "zero"; reconstructed. */
    @ValidationRule(value = "self in ['oracle', 'zero']", message = "spec.optimizer.initialDirection must be oracle or zero")
    @Default("oracle")
    public String initialDirection = "oracle";

    /**
     * The gradient Adam's second moment is formed from: "local" (the worker's own batch) or "neighbourhood" (a copy
     * gossiped with the neighbours' like the parameters: one more vector per player and gossip round; dp-oadam,
     * rand-dp-oadam).
     */
    @ValidationRule(value = "self in ['local', 'neighbourhood']",
            message = "spec.optimizer.secondMoment must be local or neighbourhood")
    @JsonPropertyDescription("The gradient Adam's second moment is formed from: local (the worker's own batch) or "
            + "neighbourhood (a copy of it gossiped with the neighbours' like the parameters: one more vector per player "
            + "and gossip round; dp-oadam and rand-dp-oadam)")
    @Default("local")
    public String secondMoment = "local";
}
