package org.nd4j.nativeblas;

/**
 * Compatibility shim for a DL4J 1.0.0-M2.1 bug, not an ND4J class: DL4J's oneDNN layer implementations
 * ({@code org.deeplearning4j.nn.layers.mkldnn.BaseMKLDNNHelper#mklDnnEnabled}) look up
 * {@code org.nd4j.nativeblas.Nd4jCpu$Environment#isUseMKLDNN()} by reflection, but ND4J M2.1 moved that class to
 * {@code org.nd4j.linalg.cpu.nativecpu.bindings.Nd4jCpu$Environment} and renamed the method {@code isUseONEDNN()}.
 * The lookup fails, so they are never used and DL4J convolutions run a slow Java im2col + gemm path
 * (measured ~8× slower for the DCGAN critic). This class answers that lookup by delegating to the real one; on any
 * other backend (CUDA) or a build without oneDNN it answers false and nothing changes.
 *
 * <p>See {@code io.dgan.model.NativeBackend}, which also lifts DL4J's default {@code helpers.disable=true}.
 */
public final class Nd4jCpu {
    private Nd4jCpu() {
    }

    public static final class Environment {
        private static final Environment INSTANCE = new Environment();

        private Environment() {
        }

        public static Environment getInstance() {
            return INSTANCE;
        }

        private volatile Boolean answer;

        /** Whether the loaded libnd4j was built with oneDNN and has it switched on (asked once, then cached). */
        public boolean isUseMKLDNN() {
            Boolean a = answer;
            if (a == null) {
                a = ask();
                answer = a;
            }
            return a;
        }

        private static boolean ask() {
            try {
                Class<?> real = Class.forName("org.nd4j.linalg.cpu.nativecpu.bindings.Nd4jCpu$Environment");
                Object env = real.getMethod("getInstance").invoke(null);
                return (Boolean) real.getMethod("isUseONEDNN").invoke(env);
            } catch (ReflectiveOperationException | LinkageError | ClassCastException e) {
                return false;
            }
        }
    }
}
