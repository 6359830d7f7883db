package io.dgan.data;

import io.dgan.model.Shape;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.random.RandomGenerator;

/** Where a worker draws its real minibatches from. Deterministic: the same generator state gives the same batch. */
public interface SampleSource {
    Shape shape();

    /** {@code size} samples drawn with {@code rng}, as a float batch (N×length or N×C×H×W, values in [-1, 1] for images). */
    INDArray batch(int size, RandomGenerator rng);
}
