package io.dgan.training;

import io.dgan.transport.InMemoryNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * A rank whose losses or gradients stop being finite stops with {@link Diverged} before the optimizer uses any of
 * it: nothing non-finite is gossiped, all-reduced or checkpointed, and the message names the iteration, what went
 * non-finite and the newest checkpoint.
 */
class DivergedTest {
    @TempDir
    Path dir;

    private static TrainConfig mlp(int workers, long iterations) {
        return TrainConfig.defaults("mlp", "ring8").withWorkers(workers, "ring", "dp-oadam")
                .withData(null, "iid", "bce", 16, 5).withReporting(5, 0, 5, 200).withIterations(iterations)
                .withOptimizer(1e-3, 1e-3, 0.5, 0.9);
    }

    @Test
    void firstNonFiniteFindsTheFirstNaNOrInfinityAnywhereInADirectOrHeapBuffer() {
        int n = 3 * 4096 + 17;
        for (boolean direct : new boolean[] {false, true}) {
            FloatBuffer b = direct
                    ? ByteBuffer.allocateDirect(4 * n).order(ByteOrder.nativeOrder()).asFloatBuffer()
                    : FloatBuffer.allocate(n);
            for (int i = 0; i < n; i++) {
                b.put(i, (float) Math.sin(i) * 1e3f);
            }
            // Finite extremes are finite.
            b.put(1, Float.MAX_VALUE).put(2, -Float.MAX_VALUE).put(3, Float.MIN_VALUE).put(4, -0f);
            assertThat(Diverged.firstNonFinite(b)).isEqualTo(-1);
            for (int at : new int[] {0, 4095, 4096, 8191, n - 1}) {
                for (float bad : new float[] {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY,
                        Float.intBitsToFloat(0xffc00001)}) {
                    float kept = b.get(at);
                    b.put(at, bad);
                    assertThat(Diverged.firstNonFinite(b)).as("%s at %d", bad, at).isEqualTo(at);
                    b.put(at, kept);
                }
            }
            b.put(n - 1, Float.NaN).put(5000, Float.POSITIVE_INFINITY);
            assertThat(Diverged.firstNonFinite(b)).isEqualTo(5000);
        }
    }

    @Test
    void aRankWhoseParametersTurnNaNStopsAtItsNextGradientWithoutUsingIt() {
        TrainSetup setup = TrainSetup.of(mlp(1, 40));
        RankLoop loop = setup.rank(0, new InMemoryNetwork(1).transport(0));
        List<Long> syncPoints = new ArrayList<>();
        Diverged d = catchThrowableOfType(() -> loop.run(0, k -> {
            syncPoints.add(k);
            if (k == 10) {
                loop.params().get(1).put(7, Float.NaN); // the discriminator
            }
        }), Diverged.class);
        assertThat(d).isNotNull();
        assertThat(d.iteration()).isEqualTo(11);
        assertThat(d.rank()).isZero();
        assertThat(d.getMessage()).startsWith("rank 0 diverged at iteration 11: the ").contains("NaN");
        assertThat(syncPoints).containsExactly(5L, 10L);
        // The optimizer did not use the gradient: its moments and directions are all finite.
        assertThat(loop.optimizer().stateBuffers()).isNotEmpty();
        loop.optimizer().stateBuffers().forEach((name, state) ->
                assertThat(Diverged.firstNonFinite(state)).as(name).isEqualTo(-1));
    }

    @Test
    void theThreadRunnerStopsAtTheDivergenceAndNamesTheNewestCheckpoint() throws Exception {
        Path run = dir.resolve("run");
        new GanTrainer(mlp(2, 20), run, false, quiet()).run();
        Path checkpoints = run.resolve("checkpoints");
        assertThat(Checkpoints.iterations(checkpoints, 0)).endsWith(20L);

        Diverged later = new Diverged(1, 23, "the generator loss is NaN").withCheckpointIn(checkpoints, 1);
        assertThat(later.getMessage()).startsWith("rank 1 diverged at iteration 23: the generator loss is NaN; "
                + "the checkpoints up to iteration 20 hold finite values")
                .contains("resume from them with lower learning rates");
        // As it says: a resume may lower the learning rates (and only they may change), and says so.
        ByteArrayOutputStream said = new ByteArrayOutputStream();
        TrainConfig lower = mlp(2, 26).withOptimizer(1e-4, 2e-4, 0.5, 0.9);
        GanTrainer.Summary resumed = new GanTrainer(lower, run, true, new PrintStream(said, true)).run();
        assertThat(resumed.startIteration()).isEqualTo(20);
        assertThat(said.toString()).contains("--resume with other learning rates: G 0.001 -> 1.0E-4, D 0.001 -> "
                + "2.0E-4");
        assertThat(new com.fasterxml.jackson.databind.ObjectMapper().readTree(run.resolve("config.json").toFile())
                .get("lrD").asDouble()).isEqualTo(2e-4);
        assertThatThrownBy(() -> new GanTrainer(mlp(2, 30).withOptimizer(1e-4, 2e-4, 0.9, 0.9), run, true, quiet())
                .run()).hasMessageContaining("configuration differs").hasMessageContaining("beta1");
        Diverged early = new Diverged(0, 1, "the discriminator loss is Infinity")
                .withCheckpointIn(dir.resolve("none"), 0);
        assertThat(early.getMessage()).contains("; no checkpoint was written before it");

        // A learning rate far too high: the run stops at its first non-finite loss with the divergence, not a
        // transport error of the rank waiting for the diverged one.
        Path diverging = dir.resolve("diverging");
        TrainConfig hot = mlp(2, 50).withOptimizer(1e6, 1e6, 0.5, 0.9);
        assertThatThrownBy(() -> new GanTrainer(hot, diverging, false, quiet()).run())
                .isInstanceOf(Diverged.class)
                .hasMessageContaining("diverged at iteration 1: the ")
                .hasMessageContaining("no checkpoint was written before it");
        assertThat(Checkpoints.iterations(diverging.resolve("checkpoints"), 0)).isEmpty();
    }

    private static PrintStream quiet() {
        return new PrintStream(new ByteArrayOutputStream());
    }
}
