package io.dgan.bench;

import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.util.function.LongSupplier;

/**
 * Tells a benchmark's warm-up when the JVM has reached the steady state a long run sees: when the JIT compilers spent
 * at most {@link #QUIET_SHARE} of the wall time of the last {@link #WINDOW} iterations compiling. Until then the
 * compiler threads take a share of the cores and much of the code still runs interpreted or at a low tier: on a
 * 2-core machine a DCGAN step of DL4J takes about 1.5× longer in its first 10 iterations than after 100.
 *
 * <p>Use: {@link #begin()} before an untimed iteration, {@link #end()} after it, {@link #quiet()} to decide whether to
 * go on. A JVM that does not report compilation time is always quiet (the minimum warm-up then applies alone).
 */
public final class JitWarmup {
    /** The JIT is quiet when it compiled for at most this share of the window's wall time. */
    public static final double QUIET_SHARE = 0.05;
    /** Iterations the share is taken over. */
    public static final int WINDOW = 10;

    private static final CompilationMXBean JIT = ManagementFactory.getCompilationMXBean();
    private final double[] wallMs = new double[WINDOW];
    private final double[] jitMs = new double[WINDOW];
    private final LongSupplier nanoTime;
    private final LongSupplier compileMillis;
    private final boolean reportsCompilationTime;
    private int iterations;
    private long wallStart;
    private long jitStart;

    /** This JVM's clock and JIT compilers. */
    public JitWarmup() {
        this(System::nanoTime, JitWarmup::compileMillis, reportsCompilationTime());
    }

    /** Any clock and compilation-time source (tests). */
    JitWarmup(LongSupplier nanoTime, LongSupplier compileMillis, boolean reportsCompilationTime) {
        this.nanoTime = nanoTime;
        this.compileMillis = compileMillis;
        this.reportsCompilationTime = reportsCompilationTime;
    }

    /** Marks the start of an untimed iteration. */
    public void begin() {
        wallStart = nanoTime.getAsLong();
        jitStart = compileMillis.getAsLong();
    }

    /** Marks its end. */
    public void end() {
        int slot = iterations % WINDOW;
        wallMs[slot] = (nanoTime.getAsLong() - wallStart) / 1e6;
        jitMs[slot] = compileMillis.getAsLong() - jitStart;
        iterations++;
    }

    /** Iterations recorded so far. */
    public int iterations() {
        return iterations;
    }

    /** Whether the last {@link #WINDOW} iterations spent at most {@link #QUIET_SHARE} of their time compiling. */
    public boolean quiet() {
        if (!reportsCompilationTime) {
            return true;
        }
        if (iterations < WINDOW) {
            return false;
        }
        double wall = 0;
        double jit = 0;
        for (int i = 0; i < WINDOW; i++) {
            wall += wallMs[i];
            jit += jitMs[i];
        }
        return jit <= QUIET_SHARE * wall;
    }

    /** Whether this JVM reports the time its JIT compilers spent. */
    public static boolean reportsCompilationTime() {
        return JIT != null && JIT.isCompilationTimeMonitoringSupported();
    }

    /** Milliseconds the JIT compilers spent so far (their elapsed time, summed over compiler threads); 0 if unknown. */
    public static long compileMillis() {
        return reportsCompilationTime() ? JIT.getTotalCompilationTime() : 0;
    }
}
