package io.dgan.transport.grpc;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/** The receive path's check that a chunk holds no NaN or infinity, against an element-by-element reference. */
class WireFormatFinitenessTest {

    /** Element i of the little-endian data, as raw bits (binary32, or bfloat16 in the low 16 bits). */
    private static int element(byte[] data, int i, WireFormat wire) {
        ByteBuffer le = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
        return wire == WireFormat.FLOAT32 ? le.getInt(4 * i) : le.getShort(2 * i) & 0xffff;
    }

    private static boolean reference(byte[] data, int elements, WireFormat wire) {
        for (int i = 0; i < elements; i++) {
            int bits = element(data, i, wire);
            boolean nonFinite = wire == WireFormat.FLOAT32 ? !Float.isFinite(Float.intBitsToFloat(bits))
                    : (bits & 0x7f80) == 0x7f80;
            if (nonFinite) {
                return false;
            }
        }
        return true;
    }

    /** Both entry points: a byte array, and a direct buffer whose data starts at a non-zero position. */
    private static void check(byte[] data, int elements, WireFormat wire, String what) {
        int bytes = elements * wire.bytesPerElement();
        boolean expected = reference(data, elements, wire);
        assertThat(wire.allFinite(data, 0, bytes)).as(what + " (array)").isEqualTo(expected);
        ByteBuffer direct = ByteBuffer.allocateDirect(bytes + 3);
        direct.position(3);
        direct.put(data, 0, bytes).position(3);
        assertThat(wire.allFinite(direct, bytes)).as(what + " (direct buffer at position 3)").isEqualTo(expected);
    }

    private static void put(byte[] data, int i, int bits, WireFormat wire) {
        ByteBuffer le = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
        if (wire == WireFormat.FLOAT32) {
            le.putInt(4 * i, bits);
        } else {
            le.putShort(2 * i, (short) bits);
        }
    }

    @Test
    void oneNonFiniteElementAnywhereIsFoundAndFiniteExtremesPass() {
        int[] f32Bad = {0x7fc00000, 0x7f800000, 0xff800000, 0x7f800001, 0xffffffff};
        int[] f32Good = {0, 0x80000000, 0x7f7fffff, 0xff7fffff, 1, 0x80000001, 0x00800000, 0x3f800000};
        int[] bf16Bad = {0x7fc0, 0x7f80, 0xff80, 0x7f81, 0xffff};
        int[] bf16Good = {0, 0x8000, 0x7f7f, 0xff7f, 1, 0x8001, 0x0080, 0x3f80};
        for (WireFormat wire : WireFormat.values()) {
            int[] bad = wire == WireFormat.FLOAT32 ? f32Bad : bf16Bad;
            int[] good = wire == WireFormat.FLOAT32 ? f32Good : bf16Good;
            for (int elements = 0; elements <= 21; elements++) {
                byte[] data = new byte[elements * wire.bytesPerElement()];
                for (int i = 0; i < elements; i++) {
                    put(data, i, good[i % good.length], wire);
                }
                check(data, elements, wire, wire + ", " + elements + " finite elements");
                for (int at = 0; at < elements; at++) {
                    for (int b : bad) {
                        byte[] one = data.clone();
                        put(one, at, b, wire);
                        check(one, elements, wire, String.format("%s, %08x at %d of %d", wire, b, at, elements));
                    }
                }
            }
        }
    }

    @Test
    void randomBitPatternsAgreeWithTheReference() {
        Random rng = new Random(11);
        for (WireFormat wire : WireFormat.values()) {
            for (int trial = 0; trial < 2000; trial++) {
                int elements = rng.nextInt(64);
                byte[] data = new byte[elements * wire.bytesPerElement()];
                rng.nextBytes(data);
                check(data, elements, wire, wire + " trial " + trial);
            }
        }
    }
}
