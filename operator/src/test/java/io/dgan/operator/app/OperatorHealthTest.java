package io.dgan.operator.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.dgan.operator.TestClock;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.RuntimeInfo;
import io.javaoperatorsdk.operator.health.EventSourceHealthIndicator;
import io.javaoperatorsdk.operator.health.InformerHealthIndicator;
import io.javaoperatorsdk.operator.health.InformerWrappingEventSourceHealthIndicator;
import io.javaoperatorsdk.operator.health.Status;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** Readiness and liveness from JOSDK's health indicators, leadership and the informer grace period. */
class OperatorHealthTest {
    /** JOSDK's runtime view with one informer whose health the test sets. */
    static final class Runtime extends RuntimeInfo {
        final AtomicBoolean synced = new AtomicBoolean(true);

        Runtime() {
            super(new Operator(o -> o.withKubernetesClient(new KubernetesClientBuilder().build())));
        }

        @Override
        public boolean isStarted() {
            return true;
        }

        @Override
        public boolean allEventSourcesAreHealthy() {
            return synced.get();
        }

        @Override
        public Map<String, Map<String, EventSourceHealthIndicator>> unhealthyEventSources() {
            return Map.of();
        }

        @Override
        public Map<String, Map<String, InformerWrappingEventSourceHealthIndicator>> unhealthyInformerWrappingEventSourceHealthIndicator() {
            if (synced.get()) return Map.of();
            InformerHealthIndicator informer = new InformerHealthIndicator() {
                public boolean hasSynced() { return false; }
                public boolean isWatching() { return false; }
                public boolean isRunning() { return true; }
                public Status getStatus() { return Status.UNHEALTHY; }
                public String getTargetNamespace() { return "training"; }
            };
            InformerWrappingEventSourceHealthIndicator<?> source = () -> Map.of("training", informer);
            return Map.of("decentralizedganjob", Map.of("worker-pods", source));
        }
    }

    @Test
    void readyWhenInformersSyncLiveUntilTheyStayBrokenPastTheGrace() {
        Runtime runtime = new Runtime();
        TestClock clock = new TestClock();
        OperatorHealth health = new OperatorHealth(() -> runtime, false, clock, Duration.ofSeconds(60));
        assertThat(health.report().ready()).isTrue();
        runtime.synced.set(false);
        OperatorHealth.Report broken = health.report();
        assertThat(broken.ready()).isFalse();
        assertThat(broken.live()).isTrue();
        assertThat(broken.unhealthy()).containsEntry("decentralizedganjob/worker-pods/training",
                "synced=false watching=false running=true");
        clock.advance(Duration.ofSeconds(61));
        assertThat(health.report().live()).as("a watch that never comes back: restart").isFalse();
        runtime.synced.set(true);
        assertThat(health.report().live()).isTrue();
        assertThat(health.report().ready()).isTrue();
    }

    @Test
    void aStandbyIsReadyWithoutInformersAndALostLeaseIsNeitherReadyNorLive() {
        Runtime runtime = new Runtime();
        runtime.synced.set(false); // a standby's informers are not started
        OperatorHealth health = new OperatorHealth(() -> runtime, true, new TestClock(), Duration.ofSeconds(60));
        assertThat(health.report().role()).isEqualTo(OperatorHealth.Role.STANDBY);
        assertThat(health.report().ready()).isTrue();
        health.startedLeading();
        assertThat(health.report().ready()).as("leading, informers not yet synced").isFalse();
        runtime.synced.set(true);
        assertThat(health.report().ready()).isTrue();
        health.lostLease();
        assertThat(health.report().live()).isFalse();
        assertThat(health.report().ready()).isFalse();
        assertThat(health.report().json()).contains("\"live\":false", "lost the leader lease");
    }
}
