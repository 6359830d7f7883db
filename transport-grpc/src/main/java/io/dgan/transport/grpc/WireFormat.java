package io.dgan.transport.grpc;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;

/**
 * How a float vector is laid out on the wire. Encoding and decoding move a slice of a {@link FloatBuffer} into or out
 * of a chunk array; float32 uses bulk buffer copies (a memcpy on little-endian machines), bfloat16 a tight loop.
 */
public enum WireFormat {
    /** 4 bytes per element, IEEE 754 binary32, little endian: exact. */
    FLOAT32(4),
    /** 2 bytes per element, the upper half of binary32 rounded to nearest even: half the bytes, ~3 significant digits. */
    BF16(2);

    private final int bytesPerElement;

    WireFormat(int bytesPerElement) {
        this.bytesPerElement = bytesPerElement;
    }

    public int bytesPerElement() {
        return bytesPerElement;
    }

    /** Parses a command-line value: "float32" or "bf16". */
    public static WireFormat parse(String text) {
        return switch (text.toLowerCase(java.util.Locale.ROOT)) {
            case "float32", "f32", "fp32" -> FLOAT32;
            case "bf16", "bfloat16" -> BF16;
            default -> throw new IllegalArgumentException("--wire: expected float32 or bf16, got '" + text + "'");
        };
    }

    io.dgan.transport.grpc.proto.WireFormat toProto() {
        return this == FLOAT32 ? io.dgan.transport.grpc.proto.WireFormat.FLOAT32_LE
                : io.dgan.transport.grpc.proto.WireFormat.BFLOAT16_LE;
    }

    /** @return the format, or null for an unknown value */
    static WireFormat fromProto(io.dgan.transport.grpc.proto.WireFormat proto) {
        return switch (proto) {
            case FLOAT32_LE -> FLOAT32;
            case BFLOAT16_LE -> BF16;
            default -> null;
        };
    }

    /** Writes {@code count} elements of {@code src} starting at absolute index {@code from} into {@code out[0..)}. */
    void encode(FloatBuffer src, int from, int count, byte[] out) {
        if (this == FLOAT32) {
            FloatBuffer slice = src.duplicate();
            slice.limit(from + count).position(from);
            ByteBuffer.wrap(out, 0, count * 4).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().put(slice);
        } else {
            for (int i = 0, b = 0; i < count; i++, b += 2) {
                short h = Bfloat16.fromFloat(src.get(from + i));
                out[b] = (byte) h;
                out[b + 1] = (byte) (h >>> 8);
            }
        }
    }

    /** Writes {@code count} elements decoded from little-endian {@code in[position..)} into {@code dst} at {@code to}. */
    void decode(ByteBuffer in, int count, FloatBuffer dst, int to) {
        if (this == FLOAT32) {
            FloatBuffer target = dst.duplicate();
            target.limit(to + count).position(to);
            ByteBuffer source = in.duplicate().order(ByteOrder.LITTLE_ENDIAN);
            source.limit(source.position() + count * 4);
            target.put(source.asFloatBuffer());
        } else {
            int p = in.position();
            ByteBuffer le = in.duplicate().order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < count; i++) {
                dst.put(to + i, Bfloat16.toFloat(le.getShort(p + 2 * i)));
            }
        }
    }

    /** Writes {@code count} elements decoded from {@code in[0..)} into {@code dst} at absolute index {@code to}. */
    void decode(byte[] in, int count, FloatBuffer dst, int to) {
        if (this == FLOAT32) {
            FloatBuffer target = dst.duplicate();
            target.limit(to + count).position(to);
            target.put(ByteBuffer.wrap(in, 0, count * 4).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer());
        } else {
            for (int i = 0, b = 0; i < count; i++, b += 2) {
                short h = (short) ((in[b] & 0xff) | (in[b + 1] << 8));
                dst.put(to + i, Bfloat16.toFloat(h));
            }
        }
    }

    /**
     * Whether the {@code bytes} little-endian bytes of {@code in} from its position (whole elements) hold only finite
     * values: no NaN, no infinity (all exponent bits set, in binary32 and in bfloat16 alike). One read pass.
     */
    boolean allFinite(ByteBuffer in, int bytes) {
        ByteBuffer le = in.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        int p = le.position();
        return allFiniteElementwise(le, p, bytes);
    }

    /**
     * Eight bytes at a time, without a branch per element: an element is not finite when its exponent bits are all
     * set, i.e. when adding one to the lowest exponent bit carries into the element's sign position. The lanes of a
     * long (two binary32 or four bfloat16 elements) cannot carry into each other (at most 0x7f800000 + 0x00800000 =
     * 0x80000000 per 32-bit lane). The OR of every sum is checked once at the end.
     */
    private boolean allFiniteElementwise(ByteBuffer le, int p, int bytes) {
        boolean f32 = this == FLOAT32;
        long exponent = f32 ? 0x7f8000007f800000L : 0x7f807f807f807f80L;
        long carry = f32 ? 0x0080000000800000L : 0x0080008000800080L;
        long sign = f32 ? 0x8000000080000000L : 0x8000800080008000L;
        long seen = 0;
        int whole = bytes & ~7;
        for (int i = 0; i < whole; i += 8) {
            seen |= (le.getLong(p + i) & exponent) + carry;
        }
        for (int i = whole; i < bytes; i += f32 ? 4 : 2) {
            seen |= f32 ? (le.getInt(p + i) & 0x7f800000L) + 0x00800000L
                    : (le.getShort(p + i) & 0x7f80L) + 0x0080L;
        }
        return (seen & sign) == 0;
    }

    /** As {@link #allFinite(ByteBuffer, int)} over {@code data[offset, offset + bytes)}. */
    boolean allFinite(byte[] data, int offset, int bytes) {
        return allFiniteElementwise(ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN), offset, bytes);
    }
}
