package io.dgan.training;

import io.dgan.model.NativeBackend;
import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** Native thread counts per worker: how many, and that the OpenMP cap really is per calling thread. */
class WorkerThreadsTest {

    @Test
    void workerProcessThreadsComeFromTheFlagThenOmpNumThreadsThenTheCores() {
        TrainConfig auto = TrainConfig.defaults("mlp", "ring8").withWorkers(4, "ring", "dp-oadam");
        assertThat(GanWorker.threadsOfThisProcess(auto.withThreads(3, auto.classifierDir()), "1", 8)).isEqualTo(3);
        assertThat(GanWorker.threadsOfThisProcess(auto, "1", 8)).as("the local launcher's cores / M").isEqualTo(1);
        assertThat(GanWorker.threadsOfThisProcess(auto, "2,1", 8)).as("nested OpenMP list: first level").isEqualTo(2);
        // A pod of a cluster job: its own cores, not cores / M (the M workers are on other machines).
        assertThat(GanWorker.threadsOfThisProcess(auto, null, 8)).isEqualTo(8);
        assertThat(GanWorker.threadsOfThisProcess(auto, "many", 8)).isEqualTo(8);
        assertThat(GanWorker.threadsOfThisProcess(auto, "0", 8)).isEqualTo(8);
    }

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
