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
    void aJvmThatDoesNotReportCompilationTimeIsAlwaysQuiet() {
        JitWarmup w = new JitWarmup(() -> nanos, () -> compiled, false);
        assertThat(w.quiet()).isTrue();
        iteration(w, 100, 100);
        assertThat(w.quiet()).isTrue();
    }
}
