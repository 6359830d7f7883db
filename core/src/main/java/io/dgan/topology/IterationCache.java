package io.dgan.topology;

import java.util.function.LongFunction;

/**
 * Remembers the last W a schedule derived: every gossip round of an iteration asks for the same W_k, and deriving
 * it costs O(M log M). Thread-safe by publishing one immutable (iteration, matrix) pair through a volatile field.
 */
final class IterationCache {
    private record Entry(long iteration, SparseMixingMatrix matrix) {
    }

    private final LongFunction<SparseMixingMatrix> derive;
    private volatile Entry last;

    IterationCache(LongFunction<SparseMixingMatrix> derive) {
        this.derive = derive;
    }

    SparseMixingMatrix at(long iteration) {
        Entry e = last;
        if (e != null && e.iteration == iteration) {
            return e.matrix;
        }
        SparseMixingMatrix w = derive.apply(iteration);
        last = new Entry(iteration, w);
        return w;
    }
}
