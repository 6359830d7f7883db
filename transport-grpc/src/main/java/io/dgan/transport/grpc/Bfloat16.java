package io.dgan.transport.grpc;

/** bfloat16: the upper 16 bits of an IEEE binary32, with round-to-nearest-even on the way down. */
public final class Bfloat16 {
    private Bfloat16() {
    }

    public static short fromFloat(float value) {
        int bits = Float.floatToRawIntBits(value);
        if ((bits & 0x7fffffff) > 0x7f800000) {
            // NaN: keep it a (quiet) NaN; rounding could otherwise carry it into infinity.
            return (short) ((bits >>> 16) | 0x0040);
        }
        // Round to nearest, ties to even: add 0x7fff plus the lowest kept bit, then truncate.
        int lsb = (bits >>> 16) & 1;
        return (short) ((bits + 0x7fff + lsb) >>> 16);
    }

    public static float toFloat(short half) {
        return Float.intBitsToFloat((half & 0xffff) << 16);
    }
}
