package io.dgan.operator.reconcile;

import io.dgan.operator.crd.DecentralizedGANJob;
import io.dgan.operator.crd.DecentralizedGANJobStatus;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Record status: writes a job's status as a replace of the status subresource at the newest resourceVersion known
 * (on a conflict: read the server's object, retry) and remembers the result by UID. JOSDK's own status patch is computed against
 * the cached copy, which fails or is lost when that copy is stale, and the next pass would not see it either; a pass
 * therefore starts from {@link #freshest} — our last write while the informer has not caught up with it.
 */
public final class StatusWriter {
    private final Map<String, DecentralizedGANJob> lastWritten = new ConcurrentHashMap<>();

    /** Puts into {@code job} the status of our last write when it is newer than the job's (by resourceVersion). */
    public void useFreshest(DecentralizedGANJob job) {
        DecentralizedGANJob mine = lastWritten.get(String.valueOf(job.getMetadata().getUid()));
        if (mine != null && newer(mine.getMetadata().getResourceVersion(), job.getMetadata().getResourceVersion())) {
            job.setStatus(Serialization.clone(mine.getStatus())); // the cache has not seen our last write yet
        }
    }

    /** Writes {@code status} as the job's status; false when the job is gone. */
    public boolean write(KubernetesClient client, DecentralizedGANJob job, DecentralizedGANJobStatus status) {
        String ns = job.getMetadata().getNamespace();
        String name = job.getMetadata().getName();
        DecentralizedGANJobStatus written = Serialization.clone(status);
        var jobs = client.resources(DecentralizedGANJob.class).inNamespace(ns);
        for (int attempt = 0; ; attempt++) {
            try {
                // A full replace of the status subresource at a known version (409 on a race: read, retry).
                // Not a JSON patch: the resource class starts with an empty status object that a new resource does
                // not have on the server, so a patch computed from it names paths the server lacks (422 there).
                // The first try uses the newest version this operator has seen, which is nearly always current:
                // one request per status change instead of a read and a write.
                DecentralizedGANJob target = attempt == 0 ? atNewestKnownVersion(job) : jobs.withName(name).get();
                if (target == null) return false; // deleted meanwhile
                target.setStatus(Serialization.clone(written));
                DecentralizedGANJob updated = jobs.resource(target).updateStatus();
                lastWritten.put(String.valueOf(job.getMetadata().getUid()), updated);
                return true;
            } catch (KubernetesClientException e) {
                if (e.getCode() == 404) return false; // deleted meanwhile
                if (e.getCode() != 409 || attempt >= 4) throw e;
            }
        }
    }

    private DecentralizedGANJob atNewestKnownVersion(DecentralizedGANJob job) {
        DecentralizedGANJob copy = Serialization.clone(job);
        DecentralizedGANJob mine = lastWritten.get(String.valueOf(job.getMetadata().getUid()));
        if (mine != null && newer(mine.getMetadata().getResourceVersion(), job.getMetadata().getResourceVersion())) {
            copy.getMetadata().setResourceVersion(mine.getMetadata().getResourceVersion());
        }
        return copy;
    }

    public void forget(DecentralizedGANJob job) {
        lastWritten.remove(String.valueOf(job.getMetadata().getUid()));
    }

    /** Resource versions are opaque, but numeric on every API server in practice; non-numeric ones never win. */
    static boolean newer(String a, String b) {
        try {
            return Long.parseLong(a) > Long.parseLong(b);
        } catch (NumberFormatException | NullPointerException e) {
            return false;
        }
    }
}
