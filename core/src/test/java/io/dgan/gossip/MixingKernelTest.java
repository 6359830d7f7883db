package io.dgan.gossip;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class MixingKernelTest {
    private static final int[] LENGTHS = {0, 1, 2, 3, 7, 8, 15, 16, 17, 31, 33, 100, 1023, 4095, 4096, 4097, 8191,
            8192, 10_001, 3 * MixingKernel.BLOCK + 5};

    /** The specification, written out the plain way: acc = ws·self; acc += w_j·nb_j for j ascending. */
    private static float[] reference(float[] self, float ws, float[][] nb, float[] w, int count) {
        float[] out = new float[self.length];
        for (int i = 0; i < self.length; i++) {
            float acc = ws * self[i];
            for (int j = 0; j < count; j++) {
                acc += w[j] * nb[j][i];
            }
            out[i] = acc;
        }
        return out;
    }

    private static float[] random(SplittableRandom rnd, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            // A wide range of magnitudes so that rounding differs between evaluation orders.
            v[i] = (float) ((rnd.nextDouble() * 2 - 1) * Math.pow(10, rnd.nextInt(-3, 4)));
        }
        return v;
    }

    private static FloatBuffer direct(float[] data) {
        FloatBuffer b = ByteBuffer.allocateDirect(data.length * Float.BYTES).order(ByteOrder.nativeOrder()).asFloatBuffer();
        b.put(0, data);
        return b;
    }

    /** A heap buffer that is a slice of a larger array, so that arrayOffset() != 0. */
    private static FloatBuffer heapSlice(float[] data) {
        float[] padded = new float[data.length + 3];
        System.arraycopy(data, 0, padded, 3, data.length);
        FloatBuffer slice = FloatBuffer.wrap(padded, 3, data.length).slice();
        assertThat(slice.arrayOffset()).isEqualTo(3);
        return slice;
    }

    private static void assertBits(float[] expected, FloatBuffer actual, String what) {
        assertThat(actual.limit()).isEqualTo(expected.length);
        for (int i = 0; i < expected.length; i++) {
            if (Float.floatToRawIntBits(expected[i]) != Float.floatToRawIntBits(actual.get(i))) {
                throw new AssertionError(what + ": element " + i + " of " + expected.length + " is " + actual.get(i)
                        + ", expected " + expected[i]);
            }
        }
    }

    @Test
    void everyPathIsBitIdenticalToTheScalarReference() {
        SplittableRandom rnd = new SplittableRandom(2024);
        for (int n : LENGTHS) {
            for (int count = 0; count <= 6; count++) {
                float[] self = random(rnd, n);
                float[][] nb = new float[count][];
                float[] w = new float[count];
                float ws = (float) rnd.nextDouble();
                for (int j = 0; j < count; j++) {
                    nb[j] = random(rnd, n);
                    w[j] = (float) rnd.nextDouble();
                }
                float[] expected = reference(self, ws, nb, w, count);
                String what = "n=" + n + " count=" + count;

                FloatBuffer heapSelf = FloatBuffer.wrap(self.clone());
                FloatBuffer[] heapNb = new FloatBuffer[count];
                FloatBuffer directSelf = direct(self);
                FloatBuffer[] directNb = new FloatBuffer[count];
                FloatBuffer sliceSelf = heapSlice(self);
                FloatBuffer[] sliceNb = new FloatBuffer[count];
                FloatBuffer mixedSelf = direct(self);
                FloatBuffer[] mixedNb = new FloatBuffer[count];
                FloatBuffer shiftedSelf = heapSlice(self); // offset 3 while the neighbours have offset 0
                FloatBuffer[] shiftedNb = new FloatBuffer[count];
                FloatBuffer readOnlySelf = FloatBuffer.wrap(self.clone());
                FloatBuffer[] readOnlyNb = new FloatBuffer[count];
                for (int j = 0; j < count; j++) {
                    heapNb[j] = FloatBuffer.wrap(nb[j].clone());
                    directNb[j] = direct(nb[j]);
                    sliceNb[j] = heapSlice(nb[j]);
                    mixedNb[j] = j % 2 == 0 ? FloatBuffer.wrap(nb[j].clone()) : direct(nb[j]);
                    shiftedNb[j] = FloatBuffer.wrap(nb[j].clone());
                    readOnlyNb[j] = FloatBuffer.wrap(nb[j].clone()).asReadOnlyBuffer(); // hasArray() is false
                }
                MixingKernel.mix(heapSelf, ws, heapNb, w, count);
                MixingKernel.mix(directSelf, ws, directNb, w, count);
                MixingKernel.mix(sliceSelf, ws, sliceNb, w, count);
                MixingKernel.mix(mixedSelf, ws, mixedNb, w, count);
                MixingKernel.mix(readOnlySelf, ws, readOnlyNb, w, count);
                MixingKernel.mix(shiftedSelf, ws, shiftedNb, w, count);
                assertBits(expected, heapSelf, "heap " + what);
                assertBits(expected, directSelf, "direct " + what);
                assertBits(expected, sliceSelf, "heap slice " + what);
                assertBits(expected, mixedSelf, "heap and direct mixed " + what);
                assertBits(expected, readOnlySelf, "read-only neighbours " + what);
                assertBits(expected, shiftedSelf, "array offsets differing " + what);
                for (int j = 0; j < count; j++) {
                    assertBits(nb[j], directNb[j], "neighbour " + j + " untouched, " + what);
                }
            }
        }
    }

    @Test
    void buffersInForeignByteOrderAreMixedCorrectly() {
        ByteOrder foreign = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
        SplittableRandom rnd = new SplittableRandom(7);
        int n = 1000;
        float[] self = random(rnd, n);
        float[][] nb = {random(rnd, n), random(rnd, n), random(rnd, n)};
        float[] w = {0.25f, 0.25f, 0.25f};
        float[] expected = reference(self, 0.25f, nb, w, 3);
        FloatBuffer s = ByteBuffer.allocateDirect(n * 4).order(foreign).asFloatBuffer().put(self);
        FloatBuffer[] f = new FloatBuffer[3];
        for (int j = 0; j < 3; j++) {
            f[j] = j == 1 ? direct(nb[j]) : ByteBuffer.allocateDirect(n * 4).order(foreign).asFloatBuffer().put(nb[j]);
        }
        MixingKernel.mix(s, 0.25f, f, w, 3);
        assertBits(expected, s, "foreign byte order");
    }

    @Test
    void bufferPathNamesTheVectorPathWhereItRuns() {
        boolean vector = Runtime.version().feature() >= 25
                && ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent()
                && classExists("io.dgan.gossip.VectorBufferMixer");
        assertThat(MixingKernel.bufferPath()).startsWith(vector ? "vector" : "scalar (");
    }

    private static boolean classExists(String name) {
        try {
            Class.forName(name, false, MixingKernelTest.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    @Test
    void orderOfNeighboursMattersSoTheContractIsAscendingOrder() {
        // Demonstrates why the order is fixed: float addition is not associative.
        float[] self = {1e8f};
        float[][] nb = {{-1e8f}, {1f}};
        float[] ascending = reference(self, 1f, nb, new float[] {1f, 1f}, 2);
        float[] swapped = reference(self, 1f, new float[][] {nb[1], nb[0]}, new float[] {1f, 1f}, 2);
        assertThat(ascending[0]).isEqualTo(1f);
        assertThat(swapped[0]).isEqualTo(0f);
        FloatBuffer s = FloatBuffer.wrap(self.clone());
        MixingKernel.mix(s, 1f, new FloatBuffer[] {FloatBuffer.wrap(nb[0]), FloatBuffer.wrap(nb[1])},
                new float[] {1f, 1f}, 2);
        assertThat(s.get(0)).isEqualTo(1f);
    }

    @Test
    void onlyElementsBelowTheLimitOfSelfAreMixed() {
        FloatBuffer self = FloatBuffer.wrap(new float[] {1, 2, 3, 4});
        self.limit(2);
        self.position(1); // position is ignored: indices are absolute
        MixingKernel.mix(self, 0.5f, new FloatBuffer[] {FloatBuffer.wrap(new float[] {10, 20, 30, 40})},
                new float[] {0.5f}, 1);
        assertThat(self.array()).containsExactly(5.5f, 11f, 3f, 4f);
    }

    @Test
    void allocatesNothingPerCall() {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        int n = 10_000;
        float[] w = {0.2f, 0.2f, 0.2f, 0.2f};
        FloatBuffer heapSelf = FloatBuffer.allocate(n);
        FloatBuffer[] heapNb = {FloatBuffer.allocate(n), FloatBuffer.allocate(n), FloatBuffer.allocate(n),
                FloatBuffer.allocate(n)};
        FloatBuffer directSelf = direct(new float[n]);
        FloatBuffer[] directNb = {direct(new float[n]), direct(new float[n]), direct(new float[n]), direct(new float[n])};
        for (int count : new int[] {0, 1, 2, 4}) {
            for (int warm = 0; warm < 3000; warm++) {
                MixingKernel.mix(heapSelf, 0.2f, heapNb, w, count);
                MixingKernel.mix(directSelf, 0.2f, directNb, w, count);
            }
            long before = threads.getCurrentThreadAllocatedBytes();
            for (int c = 0; c < 500; c++) {
                MixingKernel.mix(heapSelf, 0.2f, heapNb, w, count);
                MixingKernel.mix(directSelf, 0.2f, directNb, w, count);
            }
            long allocated = threads.getCurrentThreadAllocatedBytes() - before;
            // Under one byte per call: a per-call allocation (≥ 16 bytes, the smallest object) is impossible. Exactly
            // zero is too strict, since the JIT's own bookkeeping (deoptimisation, OSR) occasionally allocates a few
            // bytes on the measuring thread (128 bytes once, seen on a loaded machine).
            assertThat(allocated).as("bytes allocated by 1000 mix calls with %d neighbours", count)
                    .isLessThan(1000);
        }
    }

    @Test
    void rejectsInconsistentArguments() {
        FloatBuffer self = FloatBuffer.allocate(4);
        assertThatThrownBy(() -> MixingKernel.mix(self, 1f, new FloatBuffer[] {FloatBuffer.allocate(3)},
                new float[] {0f}, 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("neighbour 0 has 3 elements");
        assertThatThrownBy(() -> MixingKernel.mix(self, 1f, new FloatBuffer[] {FloatBuffer.allocate(4)},
                new float[0], 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("count 1 must be in 0..0");
        assertThatThrownBy(() -> MixingKernel.mix(self.asReadOnlyBuffer(), 1f, new FloatBuffer[0], new float[0], 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("read-only");
    }
}
