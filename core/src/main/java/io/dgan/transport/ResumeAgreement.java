package io.dgan.transport;

import java.nio.FloatBuffer;
import java.util.Arrays;

/**
 * Where a restarted job resumes when each rank keeps its own checkpoints (on Kubernetes each rank has its own volume;
 * locally they share a directory, and the answer is the same): the newest iteration that every rank has a
 * checkpoint of. A crash between two ranks' checkpoint writes leaves them with different newest iterations; each
 * keeps its last few, so an older common one is usually there.
 *
 * <p>A collective over all ranks at start: each round every rank contributes the newest of its iterations not past
 * the current candidate (an all-gather by all-reduce: each rank fills its own slot, in base-4096 digits so that the
 * average times M rounds back exactly); the candidate becomes the smallest, until every rank has it. A few rounds of
 * {@code 3M} floats.
 */
public final class ResumeAgreement {
    /** Channel of the agreement: clear of the optimizers', the monitors', the losses' and the live topology's. */
    public static final int CHANNEL = RingAllReduce.CHANNEL_BASE + (1 << 16) + 192;
    private static final long DIGIT = 4096;

    /**
     * @param iteration      the iteration to resume from, -1 if none
     * @param newestPerRank  each rank's newest checkpoint iteration (-1: none), from the first round
     */
    public record Result(long iteration, long[] newestPerRank) {
        /** No rank has a checkpoint: a fresh start. */
        public boolean fresh() {
            return Arrays.stream(newestPerRank).allMatch(k -> k < 0);
        }

        /**
         * Why a resume cannot proceed (some ranks have checkpoints but none is common to all), in one line, or
         * null.
         */
        public String problem() {
            if (iteration >= 0 || fresh()) {
                return null;
            }
            StringBuilder s = new StringBuilder("no checkpoint iteration is common to all ranks (newest per rank:");
            for (int r = 0; r < newestPerRank.length; r++) {
                s.append(r == 0 ? " " : ", ").append(r).append('=')
                        .append(newestPerRank[r] < 0 ? "none" : Long.toString(newestPerRank[r]));
            }
            return s.append("); restore the missing ranks' checkpoints or remove all to start over").toString();
        }
    }

    private ResumeAgreement() {
    }

    /** Collective: every rank calls it once with its own checkpoint iterations (any order). */
    public static Result agree(Transport transport, long epoch, long[] mine) {
        int m = transport.size();
        int rank = transport.rank();
        long[] sorted = mine.clone();
        Arrays.sort(sorted);
        RingAllReduce reducer = m > 1 ? new RingAllReduce(transport, 3 * m, CHANNEL) : null;
        FloatBuffer buffer = FloatBuffer.allocate(3 * m);
        long candidate = Long.MAX_VALUE;
        long[] first = null;
        for (int round = 0; round <= m * Math.max(1, sorted.length) + 1; round++) {
            long offer = -1;
            for (long k : sorted) {
                if (k <= candidate) {
                    offer = k;
                }
            }
            long[] all = gather(reducer, buffer, rank, m, epoch, round, offer);
            if (first == null) {
                first = all.clone();
            }
            long min = Arrays.stream(all).min().orElse(-1);
            if (min < 0) {
                return new Result(-1, first);
            }
            if (Arrays.stream(all).allMatch(k -> k == min)) {
                return new Result(min, first);
            }
            candidate = min;
        }
        return new Result(-1, first);
    }

    private static long[] gather(RingAllReduce reducer, FloatBuffer buffer, int rank, int m, long epoch, int round,
                                 long value) {
        long v = value + 1;
        if (v >= DIGIT * DIGIT * DIGIT) {
            throw new IllegalArgumentException("checkpoint iteration " + value + " too large to agree on");
        }
        for (int i = 0; i < buffer.limit(); i++) {
            buffer.put(i, 0f);
        }
        buffer.put(3 * rank, v % DIGIT).put(3 * rank + 1, (v / DIGIT) % DIGIT).put(3 * rank + 2, v / DIGIT / DIGIT);
        if (reducer != null) {
            reducer.average(buffer, epoch, round);
        }
        long[] all = new long[m];
        int scale = reducer != null ? m : 1;
        for (int r = 0; r < m; r++) {
            long d0 = Math.round((double) buffer.get(3 * r) * scale);
            long d1 = Math.round((double) buffer.get(3 * r + 1) * scale);
            long d2 = Math.round((double) buffer.get(3 * r + 2) * scale);
            all[r] = d0 + DIGIT * (d1 + DIGIT * d2) - 1;
        }
        return all;
    }
}
