package io.dgan.model;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.nio.ByteOrder;
import java.nio.FloatBuffer;

/** FloatBuffers over the native memory of float INDArrays: read and written in place, nothing copied. */
public final class NativeFloats {
    private NativeFloats() {
    }

    /**
     * The elements of a float array whose elements are contiguous (element-wise stride 1), in memory order, aliasing
     * its native memory; the buffer starts at the array's offset into its data buffer (a view's first element).
     */
    public static FloatBuffer view(INDArray array) {
        if (array.dataType() != DataType.FLOAT || array.elementWiseStride() != 1) {
            throw new IllegalArgumentException("need a contiguous float array, got " + array.shapeInfoToString());
        }
        long offset = array.offset();
        FloatBuffer all = array.data().asNio().order(ByteOrder.nativeOrder()).asFloatBuffer();
        all.position(Math.toIntExact(offset));
        all.limit(Math.toIntExact(offset + array.length()));
        return all.slice();
    }
}
