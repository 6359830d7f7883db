package io.dgan.data;

import io.dgan.model.Shape;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.random.RandomGenerator;

/** One worker's part of an image dataset: minibatches are drawn uniformly with replacement from its indices. */
public final class DatasetShard implements SampleSource {
    private final ImageDataset data;
    private final int[] indices;

    public DatasetShard(ImageDataset data, int[] indices) {
        if (indices.length == 0) {
            throw new IllegalArgumentException("empty shard of " + data.name());
        }
        this.data = data;
        this.indices = indices.clone();
    }

    public int size() {
        return indices.length;
    }

    public ImageDataset dataset() {
        return data;
    }

    /** Label histogram of this shard (to show how non-iid it is). */
    public int[] labelCounts() {
        int[] c = new int[Math.max(1, data.classes())];
        for (int i : indices) {
            c[data.labels()[i]]++;
        }
        return c;
    }

    @Override
    public Shape shape() {
        return data.shape();
    }

    @Override
    public INDArray batch(int size, RandomGenerator rng) {
        int n = data.shape().length();
        float[] buf = new float[size * n];
        for (int b = 0; b < size; b++) {
            data.copyImage(indices[rng.nextInt(indices.length)], buf, b * n);
        }
        return Nd4j.create(buf, data.shape().batchShape(size));
    }
}
