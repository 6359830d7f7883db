package io.dgan.operator.app;

import io.javaoperatorsdk.operator.RuntimeInfo;
import io.javaoperatorsdk.operator.health.InformerHealthIndicator;
import io.javaoperatorsdk.operator.health.InformerWrappingEventSourceHealthIndicator;
import io.javaoperatorsdk.operator.health.Status;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * What the liveness and readiness probes report (docs/operator.md, "Health"). Built on JOSDK's health indicators:
 * {@link RuntimeInfo#isStarted()} and the informers' {@code hasSynced}/{@code isWatching} per event source.
 *
 * <ul>
 *   <li><b>Ready</b>: the operator started and, where this replica reconciles (the leader, or any replica without
 *       leader election), every informer has synced and is watching. A standby replica is ready: it has nothing to
 *       sync until it leads.</li>
 *   <li><b>Live</b>: not after this replica lost the lease while running (it then exits 1 as well), and not after
 *       the reconciling replica's informers stayed unhealthy longer than {@code informerGrace} (a watch that never
 *       comes back: a restart re-lists).</li>
 * </ul>
 */
public final class OperatorHealth {
    public enum Role { LEADER, STANDBY, SOLE }

    private final Supplier<RuntimeInfo> runtime;
    private final boolean leaderElection;
    private final Clock clock;
    private final Duration informerGrace;
    private volatile boolean leading;
    private volatile boolean leaseLost;
    private volatile Instant unhealthySince;

    public OperatorHealth(Supplier<RuntimeInfo> runtime, boolean leaderElection, Clock clock, Duration informerGrace) {
        this.runtime = runtime;
        this.leaderElection = leaderElection;
        this.clock = clock;
        this.informerGrace = informerGrace;
    }

    public void startedLeading() {
        leading = true;
    }

    public void lostLease() {
        leading = false;
        leaseLost = true;
    }

    public Role role() {
        if (!leaderElection) return Role.SOLE;
        return leading ? Role.LEADER : Role.STANDBY;
    }

    /** A snapshot: whether ready and live, and why not. */
    public record Report(boolean ready, boolean live, Role role, String reason, Map<String, String> unhealthy) {
        public String json() {
            StringBuilder b = new StringBuilder("{\"ready\":").append(ready).append(",\"live\":").append(live)
                    .append(",\"role\":\"").append(role.name().toLowerCase()).append("\",\"reason\":\"")
                    .append(escape(reason)).append("\",\"unhealthyInformers\":{");
            boolean first = true;
            for (Map.Entry<String, String> e : unhealthy.entrySet()) {
                if (!first) b.append(',');
                first = false;
                b.append('"').append(escape(e.getKey())).append("\":\"").append(escape(e.getValue())).append('"');
            }
            return b.append("}}").toString();
        }

        private static String escape(String s) {
            return s.replace("\\", "\\\\").replace("\"", "\\\"");
        }
    }

    public Report report() {
        Role role = role();
        if (leaseLost) return new Report(false, false, role, "lost the leader lease while running", Map.of());
        RuntimeInfo info = runtime.get();
        if (info == null || !info.isStarted()) {
            unhealthySince = null;
            return new Report(false, true, role, "starting", Map.of());
        }
        if (role == Role.STANDBY) {
            unhealthySince = null;
            return new Report(true, true, role, "standby: another replica holds the lease", Map.of());
        }
        Map<String, String> unhealthy = new TreeMap<>();
        for (var controller : info.unhealthyInformerWrappingEventSourceHealthIndicator().entrySet()) {
            for (var source : controller.getValue().entrySet()) {
                InformerWrappingEventSourceHealthIndicator<?> indicator = source.getValue();
                for (Map.Entry<String, InformerHealthIndicator> e : indicator.informerHealthIndicators().entrySet()) {
                    InformerHealthIndicator inf = e.getValue();
                    if (inf.getStatus() == Status.HEALTHY) continue;
                    String ns = e.getKey();
                    unhealthy.put(controller.getKey() + "/" + source.getKey() + (ns == null || ns.isEmpty() ? "" : "/" + ns),
                            "synced=" + inf.hasSynced() + " watching=" + inf.isWatching() + " running=" + inf.isRunning());
                }
            }
        }
        if (unhealthy.isEmpty() && !info.allEventSourcesAreHealthy()) {
            info.unhealthyEventSources().forEach((controller, sources) -> sources.forEach((source, indicator) ->
                    unhealthy.put(controller + "/" + source, String.valueOf(indicator.getStatus()))));
        }
        if (unhealthy.isEmpty()) {
            unhealthySince = null;
            return new Report(true, true, role, "informers synced and watching", Map.of());
        }
        Instant now = clock.instant();
        if (unhealthySince == null) unhealthySince = now;
        boolean live = Duration.between(unhealthySince, now).compareTo(informerGrace) < 0;
        return new Report(false, live, role, live ? "informers not synced or not watching"
                : "informers unhealthy for more than " + informerGrace.toSeconds() + " s", unhealthy);
    }
}
