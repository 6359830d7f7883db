package io.dgan.worker.cli;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A GAN worker alone in its process (a pod) uses the cores it has; an explicit --threads-per-worker wins; the
 * local launcher's share (cores / M, through DGAN_THREADS_PER_WORKER) applies to its child processes.
 */
class WorkerThreadsRuleTest {
    @Test
    void aWorkerAloneInItsProcessUsesItsCoresUnlessTold() {
        // A pod of an 8-worker job with 16 CPUs: all 16, not 16 / 8.
        assertThat(WorkerCommand.nativeThreads(0, null, 16)).isEqualTo(16);
        assertThat(WorkerCommand.nativeThreads(0, " ", 16)).isEqualTo(16);
        // --threads-per-worker (the configuration's threadsPerWorker) wins over everything.
        assertThat(WorkerCommand.nativeThreads(3, "2", 16)).isEqualTo(3);
        // dgan train's launcher: M processes on one machine share it.
        assertThat(WorkerCommand.nativeThreads(0, "4", 16)).isEqualTo(4);
        assertThat(WorkerCommand.nativeThreads(0, null, 0)).isEqualTo(1);
        assertThatThrownBy(() -> WorkerCommand.nativeThreads(0, "many", 16))
                .hasMessageContaining("DGAN_THREADS_PER_WORKER").hasMessageContaining("'many'");
        assertThatThrownBy(() -> WorkerCommand.nativeThreads(0, "0", 16))
                .hasMessageContaining("expected a positive number of threads");
    }
}
