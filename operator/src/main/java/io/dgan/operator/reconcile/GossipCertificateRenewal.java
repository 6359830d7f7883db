package io.dgan.operator.reconcile;

import io.dgan.operator.crd.DecentralizedGANJob;
import io.dgan.operator.resources.GossipTlsSecret;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Renews the ranks' gossip certificates before they expire: a certificate with less than a third of its validity
 * left is replaced in its Secret by a new one of the same CA (a new key too). Kubernetes then updates the Secret in
 * the running pods' volumes and each worker uses the new certificate from its next TLS handshake, without a restart
 * (the worker re-reads its credential files every 30 s).
 *
 * <p>Reads a job's Secrets (one GET per rank) only when one of them may be due: the earliest renewal time seen is kept
 * per job (at most an hour ahead, so a Secret replaced by hand is looked at again). After an operator restart each
 * job is read once.
 */
public final class GossipCertificateRenewal {
    private static final Logger LOG = LoggerFactory.getLogger(GossipCertificateRenewal.class);
    /** The longest a job's Secrets go unread. */
    static final Duration LOOK_AT_LEAST_EVERY = Duration.ofHours(1);
    /** After a failed read or write: try again this much later. */
    static final Duration RETRY = Duration.ofMinutes(1);

    private final Clock clock;
    private final Duration validity;
    private final Map<String, Instant> nextLook = new ConcurrentHashMap<>();

    public GossipCertificateRenewal(Clock clock, Duration validity) {
        this.clock = clock;
        this.validity = validity;
    }

    /** What one look found: the ranks whose certificates were renewed, and when the next one falls due. */
    public record Outcome(List<Integer> renewed, Instant nextDue) {
    }

    /** How long before its expiry a certificate is renewed. */
    public Duration margin() {
        return validity.dividedBy(3);
    }

    /**
     * Renews the due certificates of the job's ranks {@code 0..workers-1}. Never throws for an API failure (the job's
     * reconcile goes on; the renewal is tried again a minute later).
     */
    public Outcome renewDue(KubernetesClient client, DecentralizedGANJob job, int workers, PodActions actions) {
        String uid = String.valueOf(job.getMetadata().getUid());
        Instant now = clock.instant();
        Instant due = nextLook.get(uid);
        if (due != null && now.isBefore(due)) return new Outcome(List.of(), due);
        String ns = job.getMetadata().getNamespace();
        String name = job.getMetadata().getName();
        List<Integer> renewed = new ArrayList<>();
        Instant next = now.plus(LOOK_AT_LEAST_EVERY);
        try {
            Secret authority = null;
            for (int rank = 0; rank < workers; rank++) {
                // Read by name (the chart grants no list on Secrets); a rank without a Secret gets one with its pod.
                Secret secret = client.secrets().inNamespace(ns).withName(GossipTlsSecret.rankName(name, rank)).get();
                if (secret == null) {
                    // Issued with the rank's next pod, valid from about now: due no earlier than that.
                    next = min(next, now.plus(validity).minus(margin()));
                    continue;
                }
                Instant notAfter = GossipTlsSecret.notAfter(secret);
                if (notAfter == null || !notAfter.minus(margin()).isAfter(now)) {
                    if (authority == null) authority = actions.gossipAuthority(job);
                    Secret fresh = GossipTlsSecret.forRank(job, authority, rank, validity, now);
                    client.secrets().inNamespace(ns).withName(secret.getMetadata().getName()).edit(s -> {
                        s.setData(fresh.getData());
                        return s;
                    });
                    renewed.add(rank);
                    notAfter = GossipTlsSecret.notAfter(fresh);
                }
                next = min(next, notAfter.minus(margin()));
            }
        } catch (KubernetesClientException | IllegalStateException | IllegalArgumentException e) {
            LOG.warn("job={}/{} gossip certificate renewal failed, retrying in {}: {}", ns, name, RETRY,
                    e.getMessage());
            next = now.plus(RETRY);
        }
        nextLook.put(uid, next);
        // A job deleted while running is never reconciled again: its entry goes once long past due.
        Instant stale = now.minus(LOOK_AT_LEAST_EVERY);
        nextLook.values().removeIf(t -> t.isBefore(stale));
        return new Outcome(renewed, next);
    }

    private static Instant min(Instant a, Instant b) {
        return a.isBefore(b) ? a : b;
    }

    /** A validity as people write it: "90d", "12h", "2m", "90s". */
    public static String describe(Duration validity) {
        long s = validity.toSeconds();
        if (s % 86400 == 0) return s / 86400 + "d";
        if (s % 3600 == 0) return s / 3600 + "h";
        if (s % 60 == 0) return s / 60 + "m";
        return s + "s";
    }

    /**
     * The job's certificates are all being issued now (its first pass): nothing is read, the next look is when they
     * fall due (or in an hour, whichever is first). Returns that time.
     */
    public Instant issuingNow(DecentralizedGANJob job) {
        Instant now = clock.instant();
        Instant due = min(now.plus(validity).minus(margin()), now.plus(LOOK_AT_LEAST_EVERY));
        nextLook.put(String.valueOf(job.getMetadata().getUid()), due);
        return due;
    }

    /** The job is gone or finished: nothing more to renew. */
    public void forget(DecentralizedGANJob job) {
        nextLook.remove(String.valueOf(job.getMetadata().getUid()));
    }
}
