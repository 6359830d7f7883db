package io.dgan.training;

import io.dgan.model.NativeBackend;
import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** Native thread counts per worker: how many, and that the OpenMP cap really is per calling thread. */
class WorkerThreadsTest {

    @Test
    void theOpenMpCapIsPerThreadSoEachInProcessWorkerCapsItsOwn() throws Exception {
        int before = NativeBackend.callingThreadLimit();
        AtomicInteger inWorker = new AtomicInteger();
        AtomicInteger inOther = new AtomicInteger();
        Thread worker = new Thread(() -> {
            NativeBackend.limitCallingThread(1);
            inWorker.set(NativeBackend.callingThreadLimit());
        });
        worker.start();
        worker.join();
        Thread other = new Thread(() -> inOther.set(NativeBackend.callingThreadLimit()));
        other.start();
        other.join();
        assertThat(inWorker.get()).isEqualTo(1);
        assertThat(NativeBackend.callingThreadLimit()).as("the caller's own setting is untouched").isEqualTo(before);
        assertThat(inOther.get()).as("a fresh thread starts from the process default, not the worker's cap")
                .isEqualTo(NativeBackend.callingThreadLimit());
    }
}
