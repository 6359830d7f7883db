package io.dgan.operator.crd;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.ValidationRule;

/** The GAN to train. A String rather than a Java enum: an unknown value must become a ValidationFailed
 * condition naming the field, not a deserialization error inside the operator's informer. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ModelSpec {
    public static final java.util.List<String> TYPES = java.util.List.of("dcgan", "dcgan-small", "mlp", "resnet-wgan-gp");

    @Required
    @ValidationRule(value = "self in ['dcgan', 'dcgan-small', 'mlp', 'resnet-wgan-gp']",
            message = "spec.model.type must be one of dcgan, dcgan-small, mlp, resnet-wgan-gp")
    @ValidationRule(value = "self == oldSelf", message = "spec.model.type is immutable")
    public String type;

    @Min(1)
    @Default("100")
    public Integer latentDim = 100;

    /** Spectral normalisation of the discriminator's weights (Miyato et al. 2018); changes the layout hash. */
    @Default("false")
    @ValidationRule(value = "self == oldSelf", message = "spec.model.spectralNorm is immutable")
    public Boolean spectralNorm = false;
}
