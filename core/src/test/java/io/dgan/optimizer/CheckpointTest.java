package io.dgan.optimizer;

import io.dgan.games.QuadraticGame;
import io.dgan.transport.InMemoryNetwork;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.FloatBuffer;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Save after N steps, restore into a freshly built optimizer, continue: bit-identical to never stopping. */
class CheckpointTest {
    @ParameterizedTest
    @EnumSource(value = Algorithm.class, names = {"GDA", "DPOSG", "DP_OADAM", "CP_OADAM"})
    void restoredOptimizerContinuesBitIdentically(Algorithm algorithm) {
        QuadraticGame game = new QuadraticGame(4, 1, 0, 0.3, 1, 2);
        OptimizerConfig cfg = OptimizerConfig.builder(algorithm).learningRate(0.05).build();

        DecentralizedOptimizer straight = create(cfg, game);
        for (int k = 1; k <= 60; k++) {
            straight.step(k);
        }

        DecentralizedOptimizer first = create(cfg, game);
        for (int k = 1; k <= 25; k++) {
            first.step(k);
        }
        float[][] savedParams = SingleWorkerReferenceTest.paramsOf(first);
        long savedSteps = first.stepCount();
        Map<String, float[]> savedState = new LinkedHashMap<>();
        first.stateBuffers().forEach((name, b) -> {
            float[] c = new float[b.limit()];
            b.get(0, c);
            savedState.put(name, c);
        });
        if (algorithm != Algorithm.GDA) {
            assertThat(savedState).isNotEmpty();
        }

        DecentralizedOptimizer resumed = create(cfg, game);
        for (int p = 0; p < savedParams.length; p++) {
            resumed.players().get(p).params().put(0, savedParams[p]);
        }
        assertThat(resumed.stateBuffers().keySet()).containsExactlyElementsOf(savedState.keySet());
        resumed.stateBuffers().forEach((name, b) -> b.put(0, savedState.get(name)));
        resumed.restoreStepCount(savedSteps);
        for (int k = 26; k <= 60; k++) {
            resumed.step(k);
        }
        assertThat(SingleWorkerReferenceTest.paramsOf(resumed))
                .isDeepEqualTo(SingleWorkerReferenceTest.paramsOf(straight));
        assertThat(resumed.stepCount()).isEqualTo(straight.stepCount());
        for (Map.Entry<String, FloatBuffer> e : straight.stateBuffers().entrySet()) {
            assertThat(resumed.stateBuffers().get(e.getKey())).isEqualTo(e.getValue());
        }
    }

    private static DecentralizedOptimizer create(OptimizerConfig cfg, QuadraticGame game) {
        return Optimizers.create(cfg, game.oracle(0), new InMemoryNetwork(1).transport(0), null);
    }
}
