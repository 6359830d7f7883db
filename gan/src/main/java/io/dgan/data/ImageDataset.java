package io.dgan.data;

import io.dgan.model.Shape;

/**
 * Labelled 8-bit images held in memory (60k 28×28 images = 47 MB), CHW order per image; converted to floats in
 * [-1, 1] only when a batch is drawn.
 *
 * @param pixels  size × shape.length() bytes
 * @param labels  one label per image (0 when the source has none)
 */
public record ImageDataset(String name, Shape shape, byte[] pixels, int[] labels, int classes) {
    public ImageDataset {
        if (pixels.length != (long) labels.length * shape.length()) {
            throw new IllegalArgumentException(name + ": " + pixels.length + " pixel bytes for " + labels.length
                    + " images of " + shape.describe());
        }
    }

    public int size() {
        return labels.length;
    }

    /** Image {@code index} as floats in [-1, 1] into {@code dst} from {@code offset}. */
    public void copyImage(int index, float[] dst, int offset) {
        int n = shape.length();
        int base = index * n;
        for (int i = 0; i < n; i++) {
            dst[offset + i] = (pixels[base + i] & 0xff) / 127.5f - 1f;
        }
    }

    /** The first {@code count} images (for small tests and evaluation subsets). */
    public ImageDataset head(int count) {
        int c = Math.min(count, size());
        byte[] p = java.util.Arrays.copyOf(pixels, c * shape.length());
        return new ImageDataset(name, shape, p, java.util.Arrays.copyOf(labels, c), classes);
    }
}
