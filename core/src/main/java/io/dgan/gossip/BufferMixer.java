package io.dgan.gossip;

import java.nio.FloatBuffer;

/**
 * The buffer path of {@link MixingKernel} in another implementation: the same float operations in the same order
 * per element (so bit-identical results), over [from, to) with absolute indices. The implementation that exists is
 * {@code VectorBufferMixer} (JDK 25+, {@code jdk.incubator.vector}); {@link MixingKernel} loads it when it can.
 */
interface BufferMixer {
    /** s ← ws·s. */
    void scale(FloatBuffer s, float ws, int from, int to);

    /** s ← ws·s + wa·a. */
    void fused1(FloatBuffer s, float ws, FloatBuffer a, float wa, int from, int to);

    /** s ← ws·s + wa·a + wb·b (evaluated left to right). */
    void fused2(FloatBuffer s, float ws, FloatBuffer a, float wa, FloatBuffer b, float wb, int from, int to);

    /** s ← s + wa·a. */
    void accumulate1(FloatBuffer s, FloatBuffer a, float wa, int from, int to);

    /** s ← s + wa·a + wb·b (evaluated left to right). */
    void accumulate2(FloatBuffer s, FloatBuffer a, float wa, FloatBuffer b, float wb, int from, int to);
}
