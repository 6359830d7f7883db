package io.dgan.model.layers;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.impl.ActivationLReLU;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

class LeakyReLUActivationTest {
    private static final float[] SPECIAL = {0f, -0f, Float.NaN, -Float.NaN, Float.POSITIVE_INFINITY,
            Float.NEGATIVE_INFINITY, Float.MIN_VALUE, -Float.MIN_VALUE, Float.MAX_VALUE, -Float.MAX_VALUE,
            Float.MIN_NORMAL, -Float.MIN_NORMAL, 1f, -1f, Float.intBitsToFloat(0xffc00001), Float.intBitsToFloat(0x7f800001)};

    /** Random values of both signs over many magnitudes, and every special value, in a 4-D array. */
    private static INDArray mixed(long seed, long... shape) {
        Random rng = new Random(seed);
        INDArray a = Nd4j.create(DataType.FLOAT, shape);
        long n = a.length();
        for (long i = 0; i < n; i++) {
            float v = i < SPECIAL.length ? SPECIAL[(int) i]
                    : (float) ((rng.nextBoolean() ? 1 : -1) * Math.pow(10, rng.nextInt(16) - 8) * rng.nextDouble());
            a.putScalar(i, v);
        }
        return a;
    }

    /** Asserts equal bits, naming the first element that differs (not printing whole arrays). */
    private static void assertSameBits(INDArray actual, INDArray expected, String what) {
        int[] a = bits(actual);
        int[] e = bits(expected);
        assertThat(a.length).as(what + ": length").isEqualTo(e.length);
        for (int i = 0; i < a.length; i++) {
            if (a[i] != e[i]) {
                throw new AssertionError(String.format("%s: element %d is %s (0x%08x), ND4J gives %s (0x%08x)", what, i,
                        Float.intBitsToFloat(a[i]), a[i], Float.intBitsToFloat(e[i]), e[i]));
            }
        }
    }

    private static int[] bits(INDArray a) {
        float[] f = a.dup('c').data().asFloat();
        int[] out = new int[f.length];
        for (int i = 0; i < f.length; i++) {
            out[i] = Float.floatToRawIntBits(f[i]);
        }
        return out;
    }

    @Test
    void forwardAndDerivativeMatchNd4jBitForBitIncludingSignedZerosInfinitiesAndNaN() {
        for (double alpha : new double[] {0.2, 0.01, 1, 0, -0.5}) { // 0 and -0.5 take ND4J's operation
            INDArray z = mixed(1, 8, 4, 7, 7);
            INDArray eps = mixed(2, 8, 4, 7, 7);
            INDArray expected = new ActivationLReLU(alpha).getActivation(z.dup(), true);
            INDArray actual = new LeakyReLUActivation(alpha).getActivation(z.dup(), true);
            assertSameBits(actual, expected, String.format("forward, alpha %s", alpha));

            INDArray expectedGrad = new ActivationLReLU(alpha).backprop(z.dup(), eps.dup()).getFirst();
            INDArray in = z.dup();
            INDArray actualGrad = new LeakyReLUActivation(alpha).backprop(in, eps.dup()).getFirst();
            assertThat(actualGrad).isSameAs(in); // in place, as ND4J's
            assertSameBits(actualGrad, expectedGrad, String.format("derivative, alpha %s", alpha));
        }
    }

    @Test
    void theDerivativeFactorIsAlphaExactlyForNegativeNumbers() {
        int alphaBits = Float.floatToRawIntBits(0.2f);
        int oneBits = Float.floatToRawIntBits(1f);
        // Every 7919th bit pattern, and the boundaries of each class of float.
        int[] edges = {0, 1, 0x7f7fffff, 0x7f800000, 0x7f800001, 0x7fffffff, 0x80000000, 0x80000001, 0xff7fffff,
                0xff800000, 0xff800001, 0xffffffff};
        for (long i = Integer.MIN_VALUE; i <= Integer.MAX_VALUE; i += 7919) {
            int b = (int) i;
            assertThat(LeakyReLUActivation.factorBits(b, alphaBits)).as("bits %08x", b)
                    .isEqualTo(Float.intBitsToFloat(b) < 0 ? alphaBits : oneBits);
        }
        for (int b : edges) {
            assertThat(LeakyReLUActivation.factorBits(b, alphaBits)).as("bits %08x", b)
                    .isEqualTo(Float.intBitsToFloat(b) < 0 ? alphaBits : oneBits);
        }
    }

    @Test
    void aContiguousViewIsComputedInPlaceAndNothingAroundItChanges() {
        INDArray whole = mixed(3, 10, 50);
        INDArray before = whole.dup();
        INDArray rows = whole.get(NDArrayIndex.interval(3, 6), NDArrayIndex.all()); // offset 150, contiguous
        assertThat(rows.offset()).isEqualTo(150);
        new LeakyReLUActivation(0.2).getActivation(rows, true);
        INDArray expected = before.dup();
        new ActivationLReLU(0.2).getActivation(expected.get(NDArrayIndex.interval(3, 6), NDArrayIndex.all()), true);
        assertSameBits(whole, expected, "rows 3-5 of 10");
    }

    @Test
    void stridedViewsOtherTypesAndAlphaAboveOneGoToNd4j() {
        INDArray whole = mixed(4, 10, 50);
        INDArray columns = whole.get(NDArrayIndex.all(), NDArrayIndex.interval(5, 9)); // strided
        INDArray expected = new ActivationLReLU(0.2).getActivation(columns.dup(), true);
        assertSameBits(new LeakyReLUActivation(0.2).getActivation(columns, true), expected, "columns 5-8");

        INDArray doubles = mixed(5, 6, 6).castTo(DataType.DOUBLE);
        assertThat(new LeakyReLUActivation(0.2).getActivation(doubles.dup(), true).data().asDouble())
                .isEqualTo(new ActivationLReLU(0.2).getActivation(doubles.dup(), true).data().asDouble());

        INDArray z = mixed(6, 6, 6);
        assertSameBits(new LeakyReLUActivation(1.5).getActivation(z.dup(), true),
                new ActivationLReLU(1.5).getActivation(z.dup(), true), "alpha 1.5");

        // epsilon in another layout than z: the derivative still pairs the same elements
        INDArray eps = mixed(7, 6, 6).dup('f');
        INDArray expectedGrad = new ActivationLReLU(0.2).backprop(z.dup(), eps.dup('c')).getFirst();
        assertSameBits(new LeakyReLUActivation(0.2).backprop(z.dup(), eps).getFirst(), expectedGrad, "epsilon in f order");
    }
}
