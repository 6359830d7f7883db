package io.dgan.operator.progress;

import static org.assertj.core.api.Assertions.assertThat;

import io.dgan.operator.Eventually;
import io.dgan.operator.TestClock;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Progress is sampled on the cache's threads: a reconcile reads it and never waits on a worker. */
class ProgressCacheTest {
    static final List<Pod> PODS = List.of(new PodBuilder().withNewMetadata().withName("gan-worker-0").endMetadata()
            .withNewStatus().withPodIP("10.0.0.1").endStatus().build());

    @Test
    void aHangingWorkerNeverBlocksTheCallerAndTheSampleArrivesLater() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger calls = new AtomicInteger();
        ProgressSource hanging = (pods, port) -> {
            calls.incrementAndGet();
            try {
                release.await(30, TimeUnit.SECONDS); // an HTTP scrape that takes its full timeout
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return Map.of("gan-worker-0", new WorkerSample(42, 0.1, null));
        };
        TestClock clock = new TestClock();
        try (ProgressCache cache = new ProgressCache(hanging, clock, Duration.ofMillis(50), 2)) {
            long t0 = System.nanoTime();
            for (int i = 0; i < 20; i++) {
                assertThat(cache.latest("uid-1", PODS, 9090)).isNull();
            }
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofMillis(500));
            Thread.sleep(120);
            assertThat(cache.latest("uid-1", PODS, 9090)).isNull();
            assertThat(calls.get()).as("one sample in flight per job, not one per reconcile").isEqualTo(1);
            release.countDown();
            Eventually.await("sample cached", Duration.ofSeconds(10), () -> cache.latest("uid-1", PODS, 9090) != null);
            ProgressCache.Snapshot s = cache.latest("uid-1", PODS, 9090);
            assertThat(s.samples()).containsKey("gan-worker-0");
            assertThat(s.sampledAt()).isEqualTo(clock.instant());
            assertThat(cache.staleAfter()).isEqualTo(Duration.ofMillis(150));
        }
    }
}
