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
        // What a fresh thread starts from (the process default: not the caller's own setting, which another test
        // running on this thread may have changed).
        AtomicInteger fresh = new AtomicInteger();
        Thread probe = new Thread(() -> fresh.set(NativeBackend.callingThreadLimit()));
        probe.start();
        probe.join();
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
        assertThat(fresh.get()).as("a cap of 1 must differ from the default for this test to mean anything")
                .isGreaterThan(1);
        assertThat(inOther.get()).as("a fresh thread starts from the process default, not the worker's cap")
                .isEqualTo(fresh.get());
    }
}
