package io.dgan.transport.grpc;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class BfloatTest {
    private static float bits(int b) {
        return Float.intBitsToFloat(b);
    }

    @Test
    void roundsToNearestAndTiesToEven() {
        // Below half: truncated. Above half: rounded up. Exactly half: to the even neighbour.
        assertThat(Bfloat16.fromFloat(bits(0x3f80_7fff))).isEqualTo((short) 0x3f80);
        assertThat(Bfloat16.fromFloat(bits(0x3f80_8001))).isEqualTo((short) 0x3f81);
        assertThat(Bfloat16.fromFloat(bits(0x3f80_8000))).isEqualTo((short) 0x3f80); // tie, 0x3f80 is even
        assertThat(Bfloat16.fromFloat(bits(0x3f81_8000))).isEqualTo((short) 0x3f82); // tie, 0x3f81 is odd
    }

    @Test
    void keepsSpecialValues() {
        assertThat(Bfloat16.toFloat(Bfloat16.fromFloat(Float.NaN))).isNaN();
        assertThat(Bfloat16.toFloat(Bfloat16.fromFloat(bits(0x7f80_0001)))).isNaN(); // would round into infinity
        assertThat(Bfloat16.toFloat(Bfloat16.fromFloat(Float.NEGATIVE_INFINITY))).isEqualTo(Float.NEGATIVE_INFINITY);
        assertThat(Float.floatToRawIntBits(Bfloat16.toFloat(Bfloat16.fromFloat(-0f)))).isEqualTo(0x8000_0000);
        assertThat(Bfloat16.toFloat(Bfloat16.fromFloat(Float.MAX_VALUE))).isEqualTo(Float.POSITIVE_INFINITY);
        assertThat(Bfloat16.toFloat(Bfloat16.fromFloat(1.5f))).isEqualTo(1.5f);
    }
}
