package io.dgan.bench;

import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.util.ArrayDeque;
import java.util.function.LongSupplier;

/**
 * Tells a benchmark's warm-up when the JVM has reached the steady state a long run sees: when the JIT compilers spent
 * at most {@link #QUIET_SHARE} of the wall time of the last iterations compiling, taken over at least
 * {@link #WINDOW} iterations and at least {@link #WINDOW_MS} of wall time. Until then the compiler threads take a
 * share of the cores and much of the code still runs interpreted or at a low tier: on a 2-core machine a DCGAN step
 * of DL4J takes about 1.5× longer in its first 10 iterations than after 100.
 *
 * <p>Why a minimum time as well as a count: the JVM adds a compilation's time when it finishes, and one C2
 * compilation takes tens of milliseconds. Ten 4-ms repetitions of a 1 MiB transfer often fall between two finished
 * compilations and look quiet while C2 goes on compiling gRPC's and Netty's code through the timed repetitions that
 * follow. Steps of 100 ms or more are judged over their last ten.
 *
 * <p>Use: {@link #begin()} before an untimed iteration, {@link #end()} after it, {@link #quiet()} to decide whether to
 * go on. A JVM that does not report compilation time is always quiet (the minimum warm-up then applies alone).
 */
public final class JitWarmup {
    /** The JIT is quiet when it compiled for at most this share of the window's wall time. */
    public static final double QUIET_SHARE = 0.05;
    /** Fewest iterations the share is taken over. */
    public static final int WINDOW = 10;
    /** Least wall time the share is taken over, in milliseconds. */
    public static final double WINDOW_MS = 1000;

    private static final CompilationMXBean JIT = ManagementFactory.getCompilationMXBean();
    /** The window, oldest first: {wall ms, JIT ms} per iteration. */
    private final ArrayDeque<double[]> window = new ArrayDeque<>();
    private final LongSupplier nanoTime;
    private final LongSupplier compileMillis;
    private final boolean reportsCompilationTime;
    private int iterations;
    /** Sums over the window, kept as iterations enter and leave it. */
    private double windowWallMs;
    private double windowJitMs;
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
        double[] iteration = {(nanoTime.getAsLong() - wallStart) / 1e6, compileMillis.getAsLong() - jitStart};
        window.addLast(iteration);
        windowWallMs += iteration[0];
        windowJitMs += iteration[1];
        // Drop the oldest iterations the window no longer needs to cover WINDOW iterations and WINDOW_MS.
        while (window.size() > WINDOW && windowWallMs - window.peekFirst()[0] >= WINDOW_MS) {
            double[] oldest = window.removeFirst();
            windowWallMs -= oldest[0];
            windowJitMs -= oldest[1];
        }
        iterations++;
    }

    /** Iterations recorded so far. */
    public int iterations() {
        return iterations;
    }

    /**
     * Whether the last iterations, at least {@link #WINDOW} of them and at least {@link #WINDOW_MS} in all, spent at
     * most {@link #QUIET_SHARE} of their time compiling.
     */
    public boolean quiet() {
        if (!reportsCompilationTime) {
            return true;
        }
        if (window.size() < WINDOW || windowWallMs < WINDOW_MS) {
            return false;
        }
        return windowJitMs <= QUIET_SHARE * windowWallMs;
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
