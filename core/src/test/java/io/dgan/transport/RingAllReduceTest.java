package io.dgan.transport;

import io.dgan.testing.Ranks;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.FloatBuffer;
import java.util.Random;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class RingAllReduceTest {
    static Stream<Arguments> sizes() {
        return IntStream.rangeClosed(1, 8).boxed()
                .flatMap(m -> Stream.of(1, 5, 13, 101).map(n -> Arguments.of(m, n)));
    }

    /** Small integers: every partial sum is exact in float, so the average must be exactly (float) (sum / M). */
    @ParameterizedTest(name = "M={0}, length={1}")
    @MethodSource("sizes")
    void averagesExactlyAndIdenticallyOnEveryRank(int m, int n) {
        float[][] data = new float[m][n];
        Random rnd = new Random(31L * m + n);
        for (float[] row : data) {
            for (int i = 0; i < n; i++) {
                row[i] = rnd.nextInt(2001) - 1000;
            }
        }
        float[] expected = new float[n];
        for (int i = 0; i < n; i++) {
            double sum = 0;
            for (float[] row : data) {
                sum += row[i];
            }
            expected[i] = (float) (sum / m);
        }
        float[][] results = reduce(m, n, data, 3);
        for (int r = 0; r < m; r++) {
            assertThat(results[r]).as("rank %d", r).containsExactly(expected);
        }
    }

    /** Arbitrary floats: the sum order differs from a sequential one, but every rank must hold the same bits. */
    @ParameterizedTest(name = "M={0}, length={1}")
    @MethodSource("sizes")
    void randomFloatsAreBitIdenticalAcrossRanksAndCloseToTheMean(int m, int n) {
        float[][] data = new float[m][n];
        Random rnd = new Random(7L * m + n);
        for (float[] row : data) {
            for (int i = 0; i < n; i++) {
                row[i] = (float) rnd.nextGaussian() * 3;
            }
        }
        float[][] results = reduce(m, n, data, 2);
        for (int i = 0; i < n; i++) {
            double mean = 0;
            for (float[] row : data) {
                mean += row[i];
            }
            mean /= m;
            assertThat((double) results[0][i]).isCloseTo(mean, within(1e-5));
        }
        for (int r = 1; r < m; r++) {
            for (int i = 0; i < n; i++) {
                assertThat(Float.floatToRawIntBits(results[r][i]))
                        .as("rank %d element %d", r, i).isEqualTo(Float.floatToRawIntBits(results[0][i]));
            }
        }
    }

    /** Reduces {@code calls} times in a row (tags separate the calls); returns each rank's final vector. */
    private static float[][] reduce(int m, int n, float[][] data, int calls) {
        float[][] out = new float[m][];
        try (InMemoryNetwork net = new InMemoryNetwork(m)) {
            Ranks.run(m, rank -> {
                RingAllReduce reducer = new RingAllReduce(net.transport(rank), n, RingAllReduce.CHANNEL_BASE);
                // an offset buffer checks that position is honoured and left alone
                FloatBuffer buf = FloatBuffer.allocate(n + 2);
                buf.array()[0] = -5f;
                buf.array()[n + 1] = -6f;
                buf.position(1).limit(n + 1);
                for (int call = 1; call <= calls; call++) {
                    for (int i = 0; i < n; i++) {
                        buf.put(1 + i, data[rank][i]);
                    }
                    reducer.average(buf, 0, call);
                }
                assertThat(buf.position()).isEqualTo(1);
                assertThat(buf.limit()).isEqualTo(n + 1);
                assertThat(buf.array()[0]).isEqualTo(-5f);
                assertThat(buf.array()[n + 1]).isEqualTo(-6f);
                float[] result = new float[n];
                buf.get(1, result);
                out[rank] = result;
            });
            for (int r = 0; r < m; r++) {
                assertThat(net.pending(r)).isZero();
            }
        }
        return out;
    }
}
