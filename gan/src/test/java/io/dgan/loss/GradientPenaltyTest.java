package io.dgan.loss;

import io.dgan.model.Architecture;
import io.dgan.model.LayerSpec;
import io.dgan.model.LayerSpec.Act;
import io.dgan.model.ModelNetwork;
import io.dgan.model.Shape;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The exact parameter gradient of the penalty against a full central difference of P(θ) over every parameter, in
 * double precision, on small critics (a tanh one included, whose second derivative the passes must carry).
 */
class GradientPenaltyTest {

    private static Architecture critic(Act act) {
        return new Architecture("critic", Shape.vector(3),
                List.of(new LayerSpec.Dense(6, act), new LayerSpec.Dense(5, act), new LayerSpec.Dense(1, Act.IDENTITY)), 0);
    }

    private static Architecture convCritic() {
        return new Architecture("conv-critic", Shape.image(1, 6, 6),
                List.of(new LayerSpec.Conv(3, 3, 2, Act.leakyRelu(0.2)), new LayerSpec.Dense(1, Act.IDENTITY)), 0);
    }

    @Test
    void tanhCritic() {
        assertThat(relativeError(critic(Act.TANH), DataType.DOUBLE)).isLessThan(1e-3);
    }

    @Test
    void leakyReluCritic() {
        assertThat(relativeError(critic(Act.leakyRelu(0.2)), DataType.DOUBLE)).isLessThan(1e-3);
    }

    @Test
    void leakyReluConvolutionalCritic() {
        assertThat(relativeError(convCritic(), DataType.DOUBLE)).isLessThan(1e-3);
    }

    /**
     * The WGAN-GP ResNet critic's block structure (first, down, two plain blocks, ReLU, mean pool, linear) as a
     * ComputationGraph, 8×8, width 2 (299 parameters, all of them differenced).
     */
    @Test
    void residualCritic() {
        assertThat(relativeError(io.dgan.model.GanModels.resnetCritic(Shape.image(1, 8, 8), 2), DataType.DOUBLE))
                .isLessThan(1e-3);
    }

    @Test
    void float32PathAgainstDoubleReference() {
        // The production path runs in float32: same parameters, same interpolates, reference in double.
        assertThat(relativeError(critic(Act.leakyRelu(0.2)), DataType.FLOAT)).isLessThan(1e-3);
    }

    /**
     * The passes allocate in a workspace that the first call sizes: later calls reuse it (nothing spilled outside it,
     * its size unchanged), and the gradient is bit for bit the one computed with plain native arrays.
     */
    @Test
    void passesReuseOneWorkspaceAndGiveTheSameGradient() {
        Architecture arch = io.dgan.model.GanModels.resnetCritic(Shape.image(3, 16, 16), 8);
        Nd4j.getRandom().setSeed(3);
        INDArray x = Nd4j.rand(DataType.FLOAT, arch.input().batchShape(4)).subi(0.5f);
        float[] plain = gradientWithWorkspace(arch, x, false, 1);
        float[] reused = gradientWithWorkspace(arch, x, true, 4);
        assertThat(reused).containsExactly(plain);

        var ws = Nd4j.getWorkspaceManager().getWorkspaceForCurrentThread(GradientPenalty.WORKSPACE_ID);
        assertThat(ws).as("the penalty's workspace").isNotNull();
        long size = ws.getCurrentSize();
        long spilled = ((org.nd4j.linalg.api.memory.abstracts.Nd4jWorkspace) ws).getSpilledSize();
        assertThat(size).as("workspace sized by the first call").isGreaterThan(0);
        ModelNetwork net = new ModelNetwork(arch, 11, DataType.FLOAT);
        new GradientPenalty(10).addGradient(net, x);
        assertThat(ws.getLastCycleAllocations()).as("bytes the last call allocated").isPositive()
                .isLessThanOrEqualTo(size);
        assertThat(ws.getCurrentSize()).as("a later call fits in it").isEqualTo(size);
        assertThat(((org.nd4j.linalg.api.memory.abstracts.Nd4jWorkspace) ws).getSpilledSize())
                .as("bytes allocated outside it").isEqualTo(spilled);
    }

    /** D's parameter gradient after {@code calls} penalty passes from zero (the last call's result; all equal). */
    private static float[] gradientWithWorkspace(Architecture arch, INDArray x, boolean workspace, int calls) {
        String keep = System.getProperty(GradientPenalty.WORKSPACE_PROPERTY);
        System.setProperty(GradientPenalty.WORKSPACE_PROPERTY, String.valueOf(workspace));
        try {
            ModelNetwork net = new ModelNetwork(arch, 11, DataType.FLOAT);
            GradientPenalty gp = new GradientPenalty(10);
            float[] last = null;
            for (int i = 0; i < calls; i++) {
                net.gradients().assign(0);
                gp.addGradient(net, x);
                float[] g = net.gradients().toFloatVector();
                if (last != null) {
                    assertThat(g).as("call %d against call %d", i + 1, i).containsExactly(last);
                }
                last = g;
            }
            return last;
        } finally {
            if (keep == null) {
                System.clearProperty(GradientPenalty.WORKSPACE_PROPERTY);
            } else {
                System.setProperty(GradientPenalty.WORKSPACE_PROPERTY, keep);
            }
        }
    }

    /** ‖trick − reference‖ / ‖reference‖, the trick computed in {@code trickType}, the reference in double. */
    private static double relativeError(Architecture arch, DataType trickType) {
        ModelNetwork ref = new ModelNetwork(arch, 11, DataType.DOUBLE);
        // Larger weights than Xavier so that ‖∇ₓD‖ is spread around 1 and (n − 1) changes sign across samples.
        ref.params().muli(2.0);
        Nd4j.getRandom().setSeed(5);
        long[] shape = arch.input().batchShape(8);
        INDArray xhat = Nd4j.rand(DataType.DOUBLE, shape).subi(0.5).muli(2);
        GradientPenalty gp = new GradientPenalty(10);

        // Reference: central difference of P over each parameter.
        int n = ref.numParams();
        double[] reference = new double[n];
        double delta = 1e-6;
        INDArray params = ref.params();
        for (int j = 0; j < n; j++) {
            double keep = params.getDouble(j);
            params.putScalar(j, keep + delta);
            double up = gp.value(ref, xhat);
            params.putScalar(j, keep - delta);
            double down = gp.value(ref, xhat);
            params.putScalar(j, keep);
            reference[j] = (up - down) / (2 * delta);
        }

        ModelNetwork net = ref;
        INDArray x = xhat;
        if (trickType != DataType.DOUBLE) {
            net = new ModelNetwork(arch, 11, trickType);
            net.params().assign(ref.params().castTo(trickType));
            x = xhat.castTo(trickType);
        }
        net.gradients().assign(0);
        assertThat(new GradientPenalty(10).addGradient(net, x)).isGreaterThan(0);
        double[] trick = net.gradients().castTo(DataType.DOUBLE).toDoubleVector();

        double diff = 0;
        double norm = 0;
        for (int j = 0; j < n; j++) {
            diff += (trick[j] - reference[j]) * (trick[j] - reference[j]);
            norm += reference[j] * reference[j];
        }
        assertThat(norm).isGreaterThan(1e-6);
        double rel = Math.sqrt(diff / norm);
        System.err.printf("GP gradient %s in %s: relative error %.3g over %d params%n", arch.name(), trickType, rel, n);
        return rel;
    }
}
