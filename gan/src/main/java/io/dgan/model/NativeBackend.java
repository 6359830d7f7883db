package io.dgan.model;

import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.nativeblas.NativeOpsHolder;

/**
 * Switches on DL4J's oneDNN layer implementations on the CPU backend, once per JVM, before the first network is built.
 *
 * <p>DL4J 1.0.0-M2.1 ships them disabled ({@code org.eclipse.deeplearning4j.helpers.disable} defaults to true) and,
 * even when enabled, cannot detect oneDNN because of a renamed ND4J class (worked around by the shim
 * {@link org.nd4j.nativeblas.Nd4jCpu}). With both fixed, convolution layers run libnd4j's conv2d / conv2d_bp ops,
 * which use oneDNN when the native library has it ({@code nd4j-native} classifier {@code linux-x86_64-onednn-avx2},
 * the one this project ships); without oneDNN that implementation reports itself unsupported and DL4J keeps its own path.
 *
 * <p>An explicit {@code -Dorg.eclipse.deeplearning4j.helpers.disable=true} is respected (the equivalence test uses it
 * to build the reference network). On the CUDA backend nothing is changed.
 */
public final class NativeBackend {
    static final String HELPERS_DISABLE = "org.eclipse.deeplearning4j.helpers.disable";
    /**
     * How long OpenBLAS's worker threads busy-wait for the next GEMM before they sleep, as a power of two of CPU
     * cycles; 4 is OpenBLAS's minimum. Its default (2^28 cycles, about 0.1 s here, calling sched_yield in a loop)
     * keeps them spinning between a step's GEMMs on the very cores the OpenMP team of oneDNN's convolutions needs:
     * with 2 threads on 2 cores, a third of all CPU samples of a DCGAN step were OpenMP and OpenBLAS threads
     * spinning, and the step time varied 2-3× from one step to the next. OpenBLAS reads it when it loads, so it must
     * be in the environment when the JVM starts: the dgan launcher, the worker images and every JVM dgan starts
     * ({@link #processEnvironment}) set it unless it is set already.
     */
    public static final String OPENBLAS_THREAD_TIMEOUT = "OPENBLAS_THREAD_TIMEOUT";
    static final String OPENBLAS_THREAD_TIMEOUT_VALUE = "4";
    private static volatile boolean configured;

    private NativeBackend() {
    }

    /** Idempotent; called before every network build. */
    public static void configure() {
        if (configured) {
            return;
        }
        synchronized (NativeBackend.class) {
            if (configured) {
                return;
            }
            String backend = Nd4j.getExecutioner().getEnvironmentInformation().getProperty("backend");
            if ("CPU".equalsIgnoreCase(backend) && System.getProperty(HELPERS_DISABLE) == null) {
                System.setProperty(HELPERS_DISABLE, "false");
            }
            configured = true;
        }
    }

    /**
     * Caps native threads per op at {@code threads}: libnd4j's own loops and OpenBLAS (process-wide settings) and
     * the OpenMP team of the calling thread, which is what oneDNN's convolutions use. OpenMP's thread count is a
     * per-thread setting (libgomp keeps one per calling thread, initialised from OMP_NUM_THREADS, default: all
     * cores): worker threads other than the caller must call {@link #limitCallingThread(int)} themselves.
     */
    public static void limitThreads(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("native threads must be >= 1, got " + threads);
        }
        configure();
        Nd4j.getEnvironment().setMaxThreads(threads);
        Nd4j.getEnvironment().setMaxMasterThreads(threads);
        Nd4j.factory().blas().setMaxThreads(threads);
        limitCallingThread(threads);
    }

    /** OpenMP threads of the ops this thread runs (oneDNN convolutions): at most {@code threads}. */
    public static void limitCallingThread(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("native threads must be >= 1, got " + threads);
        }
        configure(); // ND4J loads its native library first: before it, the native ops cannot be reached
        NativeOpsHolder.getInstance().getDeviceNativeOps().setOmpNumThreads(threads);
    }

    /** OpenMP's thread count for ops started by the calling thread. */
    public static int callingThreadLimit() {
        configure();
        return NativeOpsHolder.getInstance().getDeviceNativeOps().ompGetMaxThreads();
    }

    /** Whether the loaded native library has oneDNN and it is on (what DL4J's oneDNN layers check, via the shim). */
    public static boolean oneDnn() {
        configure();
        return org.nd4j.nativeblas.Nd4jCpu.Environment.getInstance().isUseMKLDNN();
    }

    /**
     * What a JVM that runs ND4J needs in its environment from the start, for a child process dgan starts: the
     * variables above that the parent's environment does not set already (a user's own value is kept).
     */
    public static java.util.Map<String, String> processEnvironment() {
        return System.getenv(OPENBLAS_THREAD_TIMEOUT) == null
                ? java.util.Map.of(OPENBLAS_THREAD_TIMEOUT, OPENBLAS_THREAD_TIMEOUT_VALUE) : java.util.Map.of();
    }

    /** One line for logs and benchmark output: backend, oneDNN, DL4J's oneDNN layers, threads. */
    public static String describe() {
        configure();
        return "backend=" + Nd4j.getExecutioner().getEnvironmentInformation().getProperty("backend")
                + " oneDNN=" + oneDnn()
                + " dl4jHelpers=" + !Boolean.parseBoolean(System.getProperty(HELPERS_DISABLE, "true"))
                + " nd4jThreads=" + Nd4j.getEnvironment().maxThreads()
                + " ompThreadsOfThisThread=" + callingThreadLimit()
                + " openblasThreadTimeout=" + System.getenv().getOrDefault(OPENBLAS_THREAD_TIMEOUT, "default");
    }
}
