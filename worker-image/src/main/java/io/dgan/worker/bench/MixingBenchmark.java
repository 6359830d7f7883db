package io.dgan.worker.bench;

import io.dgan.gossip.MixingKernel;

import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * Measures {@link MixingKernel#mix} on a ring round (self + 2 neighbours, 1/3 weights) against a plain Java float[]
 * loop doing the same arithmetic on the same data, in the same run, for heap and for direct (off-heap, native
 * order) buffers. Variants are interleaved rep by rep so that machine noise hits all of them alike; the median
 * time is reported. Allocation per call is read from the JVM's per-thread allocation counter.
 */
public final class MixingBenchmark {
    /** Floats read (self, 2 neighbours) and written (self) per element. */
    private static final int FLOATS_TOUCHED_PER_ELEMENT = 4;
    private static final float THIRD = 1.0f / 3.0f;
    /** Warm-up covers at least this many elements per variant (and at least the requested rounds): enough for C2 to
     * finish compiling the vector path on a loaded 2-core machine (with 30M, 1M-float rounds still ran interpreted
     * Vector API code, allocating). */
    private static final long WARMUP_FLOATS = 300_000_000L;
    /** Timed rounds cover at least this many elements per variant (and at least the requested rounds). */
    private static final long TIMED_FLOATS = 50_000_000L;

    /** Median timing of one variant. */
    public record Timing(double medianSeconds, double gigabytesPerSecond, double floatsPerSecond) {
    }

    /** Engine timing plus its ratio to the loop and its allocation per call. */
    public record EngineResult(Timing timing, double ratioToLoop, double bytesAllocatedPerCall) {
    }

    /** One vector size. {@code bitIdentical}: loop, heap and direct ended with the same bits after the same rounds. */
    public record SizeResult(int floats, int neighbours, int repetitions, Timing loop, EngineResult heap,
                             EngineResult direct, boolean bitIdentical) {
    }

    private final int warmups;
    private final int repetitions;
    private final Consumer<String> progress;

    public MixingBenchmark(int warmups, int repetitions, Consumer<String> progress) {
        if (repetitions < 1) {
            throw new IllegalArgumentException("repetitions must be at least 1, got " + repetitions);
        }
        if (warmups < 0) {
            throw new IllegalArgumentException("warm-up rounds must be at least 0, got " + warmups);
        }
        this.warmups = warmups;
        this.repetitions = repetitions;
        this.progress = progress;
    }

    public SizeResult run(int floats) {
        SplittableRandom rnd = new SplittableRandom(floats);
        float[] loopSelf = new float[floats];
        float[] loopA = new float[floats];
        float[] loopB = new float[floats];
        for (int i = 0; i < floats; i++) {
            loopSelf[i] = (float) (rnd.nextDouble() * 2 - 1);
            loopA[i] = (float) (rnd.nextDouble() * 2 - 1);
            loopB[i] = (float) (rnd.nextDouble() * 2 - 1);
        }
        FloatBuffer heapSelf = FloatBuffer.wrap(loopSelf.clone());
        FloatBuffer[] heapNb = {FloatBuffer.wrap(loopA.clone()), FloatBuffer.wrap(loopB.clone())};
        FloatBuffer directSelf = direct(loopSelf);
        FloatBuffer[] directNb = {direct(loopA), direct(loopB)};
        float[] weights = {THIRD, THIRD};

        // Small vectors need more rounds: the JIT compiles a loop after enough iterations, not enough calls, and a
        // 0.1 ms round is at the mercy of one scheduler tick.
        int warmupRounds = Math.max(warmups, (int) Math.min(100_000, WARMUP_FLOATS / floats));
        int timedRounds = Math.max(repetitions, (int) Math.min(100_000, TIMED_FLOATS / floats));
        progress.accept("mixing " + floats + " floats: " + warmupRounds + " warm-up and " + timedRounds
                + " timed rounds per variant");
        for (int r = 0; r < warmupRounds; r++) {
            loop(loopSelf, loopA, loopB);
            MixingKernel.mix(heapSelf, THIRD, heapNb, weights, 2);
            MixingKernel.mix(directSelf, THIRD, directNb, weights, 2);
        }
        long[] loopNanos = new long[timedRounds];
        long[] heapNanos = new long[timedRounds];
        long[] directNanos = new long[timedRounds];
        for (int r = 0; r < timedRounds; r++) {
            // Rotate the order every round so that no variant always runs right after another (cache, frequency).
            for (int slot = 0; slot < 3; slot++) {
                int variant = (r + slot) % 3;
                long t0 = System.nanoTime();
                switch (variant) {
                    case 0 -> loop(loopSelf, loopA, loopB);
                    case 1 -> MixingKernel.mix(heapSelf, THIRD, heapNb, weights, 2);
                    default -> MixingKernel.mix(directSelf, THIRD, directNb, weights, 2);
                }
                long elapsed = System.nanoTime() - t0;
                (variant == 0 ? loopNanos : variant == 1 ? heapNanos : directNanos)[r] = elapsed;
            }
        }
        // Allocation: the same number of extra rounds on each engine path, counted by the thread's allocation
        // counter (these rounds also keep the three variants in step for the bit-identity check).
        loop(loopSelf, loopA, loopB);
        loop(loopSelf, loopA, loopB);
        double heapBytes = allocatedPerCall(() -> MixingKernel.mix(heapSelf, THIRD, heapNb, weights, 2), 2);
        double directBytes = allocatedPerCall(() -> MixingKernel.mix(directSelf, THIRD, directNb, weights, 2), 2);

        boolean identical = sameBits(loopSelf, heapSelf) && sameBits(loopSelf, directSelf);
        Timing loop = timing(loopNanos, floats);
        Timing heap = timing(heapNanos, floats);
        Timing direct = timing(directNanos, floats);
        return new SizeResult(floats, 2, timedRounds, loop,
                new EngineResult(heap, loop.medianSeconds() / heap.medianSeconds(), heapBytes),
                new EngineResult(direct, loop.medianSeconds() / direct.medianSeconds(), directBytes),
                identical);
    }

    /** The reference: the same arithmetic, in the same order, as a plain loop over float[]. */
    static void loop(float[] self, float[] a, float[] b) {
        loop(self, THIRD, a, THIRD, b, THIRD);
    }

    /** Weights as parameters, as in any engine-free code: the JIT cannot fold them into constants. */
    private static void loop(float[] self, float ws, float[] a, float wa, float[] b, float wb) {
        for (int i = 0; i < self.length; i++) {
            self[i] = ws * self[i] + wa * a[i] + wb * b[i];
        }
    }

    private static double allocatedPerCall(Runnable call, int calls) {
        com.sun.management.ThreadMXBean threads =
                (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long before = threads.getCurrentThreadAllocatedBytes();
        for (int c = 0; c < calls; c++) {
            call.run();
        }
        long after = threads.getCurrentThreadAllocatedBytes();
        return (double) (after - before) / calls;
    }

    private static FloatBuffer direct(float[] data) {
        FloatBuffer b = ByteBuffer.allocateDirect(data.length * Float.BYTES).order(ByteOrder.nativeOrder())
                .asFloatBuffer();
        b.put(0, data);
        return b;
    }

    private static boolean sameBits(float[] expected, FloatBuffer actual) {
        for (int i = 0; i < expected.length; i++) {
            if (Float.floatToRawIntBits(expected[i]) != Float.floatToRawIntBits(actual.get(i))) {
                return false;
            }
        }
        return true;
    }

    private static Timing timing(long[] nanos, int floats) {
        long[] sorted = nanos.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        double median = (n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0) / 1e9;
        double bytes = (double) floats * FLOATS_TOUCHED_PER_ELEMENT * Float.BYTES;
        return new Timing(median, bytes / median / 1e9, floats / median);
    }

    /** Parses "1M,10M", "100K", "4096" (decimal suffixes K = 10³, M = 10⁶). */
    public static int[] parseSizes(String text) {
        String[] parts = text.split(",");
        int[] sizes = new int[parts.length];
        for (int i = 0; i < parts.length; i++) {
            String p = parts[i].trim().toUpperCase(java.util.Locale.ROOT);
            long factor = 1;
            if (p.endsWith("K")) {
                factor = 1_000;
            } else if (p.endsWith("M")) {
                factor = 1_000_000;
            }
            String digits = factor == 1 ? p : p.substring(0, p.length() - 1);
            long value;
            try {
                value = Long.parseLong(digits) * factor;
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--sizes: expected sizes like 1M,10M or 4096, got '" + parts[i] + "'");
            }
            if (value < 1 || value > 500_000_000L) {
                throw new IllegalArgumentException("--sizes: each size must be 1..500M floats, got '" + parts[i] + "'");
            }
            sizes[i] = (int) value;
        }
        return sizes;
    }
}
