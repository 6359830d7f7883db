package io.dgan.operator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import io.dgan.operator.Eventually;
import io.dgan.operator.MockCluster;
import io.dgan.operator.TestJobs;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * 50 jobs of 4 workers created at once; a stand-in kubelet marks every new pod ready as soon as it sees it.
 * Every job must reach Running with all its dependents; the create-to-Running times (measured here by polling
 * every 25 ms, so each figure includes up to 25 ms of polling and up to 50 ms of the fake kubelet's latency) go to
 * target/operator-benchmark.txt and, by hand, to docs/benchmarks.md.
 */
@EnableKubernetesMockClient(crud = true)
class FiftyJobsMockTest {
    static final String NS = "training";
    static final int JOBS = 50;
    static final int WORKERS = 4;
    KubernetesClient client;

    @Test
    void fiftyJobsAllReachRunningWithEveryDependent() throws Exception {
        // The production re-check interval: reconciles are driven by events (job, pod, dependent changes) only.
        try (MockCluster cluster = new MockCluster(client, Duration.ofSeconds(30))) {
            AtomicBoolean running = new AtomicBoolean(true);
            Thread kubelet = new Thread(() -> {
                while (running.get()) {
                    try {
                        for (Pod pod : client.pods().inNamespace(NS).list().getItems()) {
                            if (pod.getStatus() == null || !"Running".equals(pod.getStatus().getPhase())) {
                                cluster.markReady(pod);
                            }
                        }
                        Thread.sleep(50);
                    } catch (InterruptedException e) {
                        return;
                    } catch (RuntimeException e) {
                        // a pod deleted between list and status write: the next pass sees the truth
                    }
                }
            }, "fake-kubelet");
            kubelet.start();
            long[] created = new long[JOBS];
            long[] reached = new long[JOBS];
            long start = System.nanoTime();
            for (int i = 0; i < JOBS; i++) {
                cluster.create(TestJobs.job("job-" + i, WORKERS, "Ring"));
                created[i] = System.nanoTime();
            }
            long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
            int done = 0;
            while (done < JOBS && System.nanoTime() < deadline) {
                for (var job : client.resources(io.dgan.operator.crd.DecentralizedGANJob.class).inNamespace(NS).list().getItems()) {
                    int i = Integer.parseInt(job.getMetadata().getName().substring(4));
                    if (reached[i] == 0 && job.getStatus() != null && "Running".equals(job.getStatus().phase)) {
                        reached[i] = System.nanoTime();
                        done++;
                    }
                }
                Thread.sleep(25);
            }
            running.set(false);
            kubelet.join();
            assertThat(done).as("jobs Running").isEqualTo(JOBS);
            for (int i = 0; i < JOBS; i++) {
                String name = "job-" + i;
                assertThat(cluster.workers(NS, name)).hasSize(WORKERS);
                assertThat(client.services().inNamespace(NS).withName(name + "-peers").get()).isNotNull();
                assertThat(client.configMaps().inNamespace(NS).withName(name + "-topology").get()).isNotNull();
                assertThat(client.configMaps().inNamespace(NS).withName(name + "-config").get()).isNotNull();
                assertThat(client.network().v1().networkPolicies().inNamespace(NS).withName(name + "-gossip").get()).isNotNull();
            }
            double[] seconds = new double[JOBS];
            for (int i = 0; i < JOBS; i++) seconds[i] = (reached[i] - created[i]) / 1e9;
            Arrays.sort(seconds);
            double median = (seconds[JOBS / 2 - 1] + seconds[JOBS / 2]) / 2;
            double worst = seconds[JOBS - 1];
            double all = (Arrays.stream(reached).max().getAsLong() - start) / 1e9;
            var reconciles = cluster.registry.scrape().stream()
                    .filter(m -> m.getMetadata().getName().equals("dgan_operator_reconcile_duration_seconds"))
                    .map(m -> ((io.prometheus.metrics.model.snapshots.HistogramSnapshot) m).getDataPoints().get(0))
                    .findFirst().orElseThrow();
            String report = String.format(Locale.ROOT, "jobs=%d workers=%d create-to-Running median=%.2fs worst=%.2fs "
                    + "all-running-after=%.2fs create-calls-took=%.2fs reconciles=%d mean-reconcile=%.0fms cores=%d%n",
                    JOBS, WORKERS, median, worst, all, (created[JOBS - 1] - start) / 1e9, reconciles.getCount(),
                    1000 * reconciles.getSum() / reconciles.getCount(), Runtime.getRuntime().availableProcessors());
            System.out.print("BENCHMARK " + report);
            Files.writeString(Path.of("target/operator-benchmark.txt"), report);
        }
    }
}
