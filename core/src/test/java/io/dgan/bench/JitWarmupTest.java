package io.dgan.bench;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class JitWarmupTest {
    /** A clock and a compile-time counter the test advances by hand. */
    private long nanos;
    private long compiled;

    private void iteration(JitWarmup w, long wallMs, long jitMs) {
        w.begin();
        nanos += wallMs * 1_000_000;
        compiled += jitMs;
        w.end();
    }

    @Test
    void quietOnlyOnceTheLastTenIterationsSpentAtMostFivePercentCompiling() {
        JitWarmup w = new JitWarmup(() -> nanos, () -> compiled, true);
        for (int i = 0; i < 9; i++) {
            iteration(w, 100, 0);
            assertThat(w.quiet()).as("fewer than %d iterations", JitWarmup.WINDOW).isFalse();
        }
        iteration(w, 100, 0);
        assertThat(w.quiet()).isTrue();
        iteration(w, 100, 60); // 60 ms of 1,000 in the window: 6 %
        assertThat(w.quiet()).isFalse();
        for (int i = 0; i < 9; i++) {
            iteration(w, 100, 0);
            assertThat(w.quiet()).as("the busy iteration is still in the window").isFalse();
        }
        iteration(w, 100, 0);
        assertThat(w.quiet()).as("it left the window").isTrue();
        iteration(w, 100, 50); // exactly 5 %: quiet
        assertThat(w.quiet()).isTrue();
        assertThat(w.iterations()).isEqualTo(22);
    }

    @Test
    void shortIterationsAreJudgedOverAtLeastOneSecond() {
        JitWarmup w = new JitWarmup(() -> nanos, () -> compiled, true);
        for (int i = 0; i < 249; i++) {
            iteration(w, 4, 0);
            assertThat(w.quiet()).as("%d ms of iterations", (i + 1) * 4).isFalse();
        }
        iteration(w, 4, 0); // 250 × 4 ms = 1 s
        assertThat(w.quiet()).isTrue();
        iteration(w, 4, 60); // one finished C2 compilation of 60 ms: 6 % of the last second
        assertThat(w.quiet()).isFalse();
        for (int i = 0; i < 249; i++) {
            iteration(w, 4, 0);
            assertThat(w.quiet()).as("the compilation is still within the last second").isFalse();
        }
        iteration(w, 4, 0);
        assertThat(w.quiet()).as("it left the window").isTrue();
        // Compilations that finish every 100 ms, 10 ms each (10 %), never let 4-ms iterations look quiet, although
        // most windows of ten iterations hold none of them.
        for (int i = 0; i < 1000; i++) {
            iteration(w, 4, i % 25 == 0 ? 10 : 0);
            if (i >= 250) {
                assertThat(w.quiet()).as("iteration %d", i).isFalse();
            }
        }
    }

    @Test
    void aJvmThatDoesNotReportCompilationTimeIsAlwaysQuiet() {
        JitWarmup w = new JitWarmup(() -> nanos, () -> compiled, false);
        assertThat(w.quiet()).isTrue();
        iteration(w, 100, 100);
        assertThat(w.quiet()).isTrue();
    }
}
