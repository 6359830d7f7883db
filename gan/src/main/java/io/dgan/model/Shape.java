package io.dgan.model;

/**
 * Shape of one sample: a flat vector ({@code channels == 0}) or an image channels×height×width (NCHW in batches).
 */
public record Shape(int channels, int height, int width, int length) {

    public static Shape vector(int length) {
        if (length <= 0) {
            throw new IllegalArgumentException("vector length must be positive, got " + length);
        }
        return new Shape(0, 0, 0, length);
    }

    public static Shape image(int channels, int height, int width) {
        if (channels <= 0 || height <= 0 || width <= 0) {
            throw new IllegalArgumentException("image shape must be positive, got " + channels + "x" + height + "x" + width);
        }
        return new Shape(channels, height, width, channels * height * width);
    }

    public boolean isImage() {
        return channels > 0;
    }

    /** Shape of a batch of {@code batch} samples, as ND4J expects it. */
    public long[] batchShape(int batch) {
        return isImage() ? new long[]{batch, channels, height, width} : new long[]{batch, length};
    }

    public String describe() {
        return isImage() ? "image(" + channels + "x" + height + "x" + width + ")" : "vector(" + length + ")";
    }
}
