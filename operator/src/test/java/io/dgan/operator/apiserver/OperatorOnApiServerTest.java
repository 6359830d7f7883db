package io.dgan.operator.apiserver;

import static org.assertj.core.api.Assertions.assertThat;

import io.dgan.kube.testkit.KubeCluster;
import io.dgan.kube.testkit.Waits;
import io.dgan.operator.TestJobs;
import io.dgan.operator.app.OperatorMain;
import io.dgan.operator.crd.DecentralizedGANJob;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.dgan.operator.resources.GossipTlsSecret;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The operator as a separate JVM, authenticated as the chart's ServiceAccount, against a real kube-apiserver that
 * enforces the chart's RBAC: every request it makes must be granted (the audit log shows any the server refused),
 * leader election holds across renewals and fails over to a second replica, and a restarted operator picks up
 * from the job's status without duplicating anything.
 */
class OperatorOnApiServerTest {
    static KubeCluster cluster;
    static KubernetesClient admin;

    @BeforeAll
    static void start() {
        cluster = ApiServers.shared();
        admin = cluster.adminClient();
    }

    @Test
    void runsWithExactlyTheChartsRbacAndKeepsItsLease() {
        ChartRbac rbac = ChartRbac.install(cluster, "rbac", "rbac-system");
        String ns = ApiServers.namespace("rbac-jobs");
        try (OperatorProcess operator = OperatorProcess.start(cluster, "rbac-operator-0", rbac.namespace,
                rbac.serviceAccount, Map.of("LEADER_ELECTION_NAMESPACE", rbac.namespace, "WATCH_NAMESPACES", ns,
                        "PROGRESS_INTERVAL_SECONDS", "2"))) {
            DecentralizedGANJob job = job("gan", ns, 4);
            admin.resource(job).create();
            try {
                awaitPods(operator, ns, "gan", 4);
            } catch (AssertionError e) {
                // A missing grant usually shows first as pods that never come: name it.
                throw new AssertionError(e.getMessage() + "; requests the chart's RBAC refused: "
                        + AuditLog.forbidden(AuditLog.requestsBy(cluster.auditLog(), rbac.user())), e);
            }
            Waits.until(Duration.ofSeconds(60), "a status phase", () -> phase(ns, "gan") != null);
            // A worker fails: the Replace policy deletes and recreates its pod (and records an Event).
            Pod failed = admin.pods().inNamespace(ns).withName("gan-worker-1").get();
            failed.setStatus(new PodStatusBuilder().withPhase("Failed").addNewContainerStatus().withName("worker")
                    .withNewState().withNewTerminated().withExitCode(1).withReason("Error").endTerminated().endState()
                    .endContainerStatus().build());
            admin.pods().inNamespace(ns).resource(failed).updateStatus();
            String oldUid = failed.getMetadata().getUid();
            Waits.until(Duration.ofSeconds(60), "rank 1 replaced", () -> {
                Pod p = admin.pods().inNamespace(ns).withName("gan-worker-1").get();
                return p != null && !p.getMetadata().getUid().equals(oldUid);
            });
            // Several lease renewals (retry period 2 s) must succeed: the operator is still alive and still leads.
            Lease first = lease(rbac.namespace);
            Waits.until(Duration.ofSeconds(30), "three lease renewals", () -> {
                Lease now = lease(rbac.namespace);
                return now != null && now.getSpec().getRenewTime() != null
                        && Duration.between(first.getSpec().getRenewTime(), now.getSpec().getRenewTime()).toSeconds() >= 6;
            });
            assertThat(operator.process.isAlive()).as(operator.log()).isTrue();
            assertThat(lease(rbac.namespace).getSpec().getHolderIdentity()).isEqualTo(operator.identity);

            List<AuditLog.Request> requests = AuditLog.requestsBy(cluster.auditLog(), rbac.user());
            assertThat(requests).as("the audit log saw the operator").isNotEmpty();
            assertThat(AuditLog.forbidden(requests)).as("requests the chart's RBAC does not grant; used: "
                    + AuditLog.used(requests)).isEmpty();
            System.out.println("[real-cluster] operator requests granted by the chart: " + AuditLog.used(requests));
            // The Service never changes after its creation: a rewrite would mean the match sees server defaults as drift.
            assertThat(requests.stream().filter(r -> r.namespace().equals(ns) && r.resource().equals("services")
                    && !r.verb().equals("create") && !r.verb().equals("get") && !r.verb().equals("list")
                    && !r.verb().equals("watch")).toList()).as("Service writes after its creation").isEmpty();
        }
    }

    @Test
    void aSecondReplicaTakesOverWithinTheLeaseDurationAndReconciles() {
        ChartRbac rbac = ChartRbac.install(cluster, "ha", "ha-system");
        String ns = ApiServers.namespace("ha-jobs");
        Map<String, String> settings = Map.of("LEADER_ELECTION_NAMESPACE", rbac.namespace, "WATCH_NAMESPACES", ns);
        try (OperatorProcess a = OperatorProcess.start(cluster, "ha-operator-a", rbac.namespace, rbac.serviceAccount, settings);
             OperatorProcess b = OperatorProcess.start(cluster, "ha-operator-b", rbac.namespace, rbac.serviceAccount, settings)) {
            Waits.until(Duration.ofSeconds(90), "a leader", () -> holder(rbac.namespace) != null);
            admin.resource(job("first", ns, 2)).create();
            awaitPods(a, ns, "first", 2);
            OperatorProcess leader = holder(rbac.namespace).equals(a.identity) ? a : b;
            OperatorProcess follower = leader == a ? b : a;
            long killed = System.nanoTime();
            leader.kill();
            Duration lease = LeaderElectionConfiguration.LEASE_DURATION_DEFAULT_VALUE;
            Duration retry = LeaderElectionConfiguration.RETRY_PERIOD_DEFAULT_VALUE;
            Waits.until(lease.plus(retry).plusSeconds(10), "the follower to take the lease",
                    () -> follower.identity.equals(holder(rbac.namespace)));
            Duration takeover = Duration.ofNanos(System.nanoTime() - killed);
            System.out.printf("[real-cluster] leader %s killed; %s took over after %.1f s (lease %d s, retry %d s)%n",
                    leader.identity, follower.identity, takeover.toMillis() / 1000.0, lease.toSeconds(), retry.toSeconds());
            assertThat(takeover).isLessThanOrEqualTo(lease.plus(retry).plusSeconds(2));
            admin.resource(job("second", ns, 2)).create();
            awaitPods(follower, ns, "second", 2);
            assertThat(follower.process.isAlive()).as(follower.log()).isTrue();
        }
    }

    @Test
    void anOperatorRestartedMidRunResumesFromStatusWithNoDuplicates() {
        ChartRbac rbac = ChartRbac.install(cluster, "restart", "restart-system");
        String ns = ApiServers.namespace("restart-jobs");
        Map<String, String> settings = Map.of("WATCH_NAMESPACES", ns);
        Map<String, String> before;
        try (OperatorProcess first = OperatorProcess.start(cluster, "restart-operator-0", rbac.namespace, rbac.serviceAccount, settings)) {
            admin.resource(job("gan", ns, 4)).create();
            awaitPods(first, ns, "gan", 4);
            Waits.until(Duration.ofSeconds(60), "topology epoch in status", () -> {
                DecentralizedGANJob j = admin.resources(DecentralizedGANJob.class).inNamespace(ns).withName("gan").get();
                return j.getStatus() != null && j.getStatus().topology != null && j.getStatus().topology.epoch != null;
            });
            before = owned(ns);
            first.kill();
        }
        long epoch = admin.resources(DecentralizedGANJob.class).inNamespace(ns).withName("gan").get().getStatus().topology.epoch;
        try (OperatorProcess second = OperatorProcess.start(cluster, "restart-operator-1", rbac.namespace, rbac.serviceAccount, settings)) {
            // Proof of life for the new operator: a scale to 6 through the scale subresource reaches the pods.
            cluster.kubectl("scale", "-n", ns, "decentralizedganjob/gan", "--replicas=6");
            awaitPods(second, ns, "gan", 6);
            Map<String, String> after = owned(ns);
            before.forEach((name, uid) -> {
                if (name.startsWith("Pod/") || name.startsWith("Service/") || name.startsWith("NetworkPolicy/")) {
                    assertThat(after).as(name + " kept, not recreated").containsEntry(name, uid);
                }
            });
            assertThat(after.keySet().stream().filter(k -> k.startsWith("Service/"))).hasSize(1);
            assertThat(after.keySet().stream().filter(k -> k.startsWith("Pod/"))).hasSize(6);
            // The status is written after the pods are created, in the same pass: wait for it, then check it.
            Waits.until(Duration.ofSeconds(30), "a scale is a new epoch, counted on from the old one (" + epoch + ")",
                    () -> admin.resources(DecentralizedGANJob.class).inNamespace(ns).withName("gan").get()
                            .getStatus().topology.epoch > epoch);
        }
    }

    @Test
    void gossipCertificatesAreRenewedInPlaceWithTheChartsRbac() {
        ChartRbac rbac = ChartRbac.install(cluster, "certs", "certs-system");
        String ns = ApiServers.namespace("certs-jobs");
        // 60 s certificates: renewed when 20 s are left, about 40 s after they were issued.
        try (OperatorProcess operator = OperatorProcess.start(cluster, "certs-operator-0", rbac.namespace,
                rbac.serviceAccount, Map.of("WATCH_NAMESPACES", ns, "GOSSIP_CERTIFICATE_VALIDITY_SECONDS", "60"))) {
            admin.resource(job("gan", ns, 2)).create();
            awaitPods(operator, ns, "gan", 2);
            Map<Integer, String> issued = new TreeMap<>();
            Waits.until(Duration.ofSeconds(30), "both ranks' Secrets", () -> {
                for (int r = 0; r < 2; r++) {
                    Secret s = admin.secrets().inNamespace(ns).withName(GossipTlsSecret.rankName("gan", r)).get();
                    if (s == null) return false;
                    issued.put(r, s.getData().get(GossipTlsSecret.CERT));
                }
                return true;
            });
            String ca = admin.secrets().inNamespace(ns).withName(GossipTlsSecret.rankName("gan", 0)).get().getData()
                    .get(GossipTlsSecret.CA);
            Waits.until(Duration.ofSeconds(90), "both ranks' certificates renewed (operator log: " + operator.log
                    + ")", () -> {
                for (int r = 0; r < 2; r++) {
                    Secret s = admin.secrets().inNamespace(ns).withName(GossipTlsSecret.rankName("gan", r)).get();
                    if (s.getData().get(GossipTlsSecret.CERT).equals(issued.get(r))) return false;
                }
                return true;
            });
            for (int r = 0; r < 2; r++) {
                Secret s = admin.secrets().inNamespace(ns).withName(GossipTlsSecret.rankName("gan", r)).get();
                assertThat(s.getData().get(GossipTlsSecret.CA)).as("the same CA").isEqualTo(ca);
                assertThat(GossipTlsSecret.notAfter(s)).isAfter(java.time.Instant.now().plusSeconds(20));
                assertThat(s.getMetadata().getOwnerReferences()).as("still owned by the job").hasSize(1);
            }
            assertThat(admin.v1().events().inNamespace(ns).list().getItems())
                    .anyMatch(e -> "CertificatesRenewed".equals(e.getReason()));
            List<AuditLog.Request> requests = AuditLog.requestsBy(cluster.auditLog(), rbac.user());
            assertThat(AuditLog.forbidden(requests)).as("requests the chart's RBAC does not grant; used: "
                    + AuditLog.used(requests)).isEmpty();
        }
    }

    @Test
    void aJobHeldUpByAMissingGrantSaysWhichAndGoesOnByItselfOnceItIsGranted() {
        // The chart without create on Secrets: the job's gossip CA cannot be stored, so no pod can start.
        ChartRbac rbac = ChartRbac.install(cluster, "grant", "grant-system", yaml -> {
            assertThat(yaml).contains("verbs: [get, create, patch]");
            return yaml.replace("verbs: [get, create, patch]", "verbs: [get, patch]");
        });
        String ns = ApiServers.namespace("grant-jobs");
        try (OperatorProcess operator = OperatorProcess.start(cluster, "grant-operator-0", rbac.namespace,
                rbac.serviceAccount, Map.of("WATCH_NAMESPACES", ns))) {
            admin.resource(job("gan", ns, 2)).create();
            // The retries are spent (about 16 s): the event names the refused request and says the job is tried again.
            Waits.until(Duration.ofSeconds(90), "a ReconcileFailed event after the last retry (operator log: "
                    + operator.log + ")", () -> admin.v1().events().inNamespace(ns).list().getItems().stream()
                    .anyMatch(e -> "ReconcileFailed".equals(e.getReason()) && e.getMessage().contains("tried again")));
            assertThat(admin.v1().events().inNamespace(ns).list().getItems()).filteredOn(e -> "ReconcileFailed"
                    .equals(e.getReason())).allSatisfy(e -> assertThat(e.getMessage())
                    .contains("403 Forbidden").contains("cannot create resource \"secrets\"")
                    .doesNotContain("\n").doesNotContain("Exception"));
            assertThat(admin.pods().inNamespace(ns).list().getItems()).isEmpty();
            // The grant is given back; nothing about the job changes, and it goes on by itself.
            ChartRbac.install(cluster, "grant", "grant-system");
            awaitPods(operator, ns, "gan", 2);
        }
    }

    // --- utilities

    static DecentralizedGANJob job(String name, String ns, int workers) {
        DecentralizedGANJob job = TestJobs.job(name, workers, "Ring");
        job.getMetadata().setNamespace(ns);
        job.getMetadata().setUid(null);
        job.getMetadata().setGeneration(null);
        return job;
    }

    static void awaitPods(OperatorProcess operator, String ns, String job, int count) {
        awaitPods(operator, admin, ns, job, count);
    }

    static void awaitPods(OperatorProcess operator, KubernetesClient admin, String ns, String job, int count) {
        Waits.until(Duration.ofSeconds(90), count + " worker pods of " + job + " (operator log: " + operator.log + ")", () -> {
            if (!operator.process.isAlive()) {
                throw new AssertionError("operator " + operator.identity + " exited " + operator.process.exitValue()
                        + ":\n" + tail(operator.log()));
            }
            return admin.pods().inNamespace(ns).withLabel("dgan.io/job", job).list().getItems().stream()
                    .filter(p -> p.getMetadata().getDeletionTimestamp() == null).count() == count;
        });
    }

    static Map<String, String> owned(String ns) {
        Map<String, String> out = new TreeMap<>();
        Stream.of(admin.pods().inNamespace(ns).list().getItems(), admin.services().inNamespace(ns).list().getItems(),
                        admin.configMaps().inNamespace(ns).list().getItems(),
                        admin.network().networkPolicies().inNamespace(ns).list().getItems())
                .flatMap(List::stream).map(HasMetadata.class::cast)
                .filter(o -> !o.getMetadata().getName().equals("kube-root-ca.crt"))
                .forEach(o -> out.put(o.getKind() + "/" + o.getMetadata().getName(), o.getMetadata().getUid()));
        return out;
    }

    static String phase(String ns, String name) {
        DecentralizedGANJob j = admin.resources(DecentralizedGANJob.class).inNamespace(ns).withName(name).get();
        return j == null || j.getStatus() == null ? null : j.getStatus().phase;
    }

    static Lease lease(String ns) {
        return admin.leases().inNamespace(ns).withName(OperatorMain.LEASE_NAME).get();
    }

    static String holder(String ns) {
        Lease l = lease(ns);
        return l == null || l.getSpec() == null ? null : l.getSpec().getHolderIdentity();
    }

    static String tail(String log) {
        List<String> lines = log.lines().toList();
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    }
}
