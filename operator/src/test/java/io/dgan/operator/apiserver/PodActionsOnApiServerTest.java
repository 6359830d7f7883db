package io.dgan.operator.apiserver;

import static org.assertj.core.api.Assertions.assertThat;

import io.dgan.kube.testkit.Waits;
import io.dgan.operator.reconcile.PodActions;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The operator's pod deletes on a real kube-apiserver: a delete decided on a cached pod removes that pod only, never
 * the newer pod a rank has under the same name (the server checks the UID precondition; the mock does not).
 */
class PodActionsOnApiServerTest {
    static KubernetesClient admin;
    static String ns;

    @BeforeAll
    static void cluster() {
        admin = ApiServers.shared().adminClient();
        // A namespace without Pod Security Admission labels: the pods here are placeholders, never run.
        ns = "pods-" + Long.toString(System.nanoTime() % 1_000_000_000L, 36);
        admin.namespaces().resource(new io.fabric8.kubernetes.api.model.NamespaceBuilder().withNewMetadata()
                .withName(ns).endMetadata().build()).create();
    }

    @Test
    void aDeleteOfAnOlderPodLeavesTheNewerPodOfTheSameName() {
        PodActions actions = new PodActions(admin);
        Pod first = create();
        actions.delete(first);
        Waits.until(Duration.ofSeconds(30), "the first pod gone", () -> admin.pods().inNamespace(ns)
                .withName("gan-worker-0").get() == null);
        Pod second = create();
        assertThat(second.getMetadata().getUid()).isNotEqualTo(first.getMetadata().getUid());

        actions.delete(first); // a late decision taken on the cached first pod

        Pod now = admin.pods().inNamespace(ns).withName("gan-worker-0").get();
        assertThat(now).as("the newer pod survives a delete of the older one").isNotNull();
        assertThat(now.getMetadata().getUid()).isEqualTo(second.getMetadata().getUid());
        assertThat(now.getMetadata().getDeletionTimestamp()).isNull();

        actions.delete(second);
        Waits.until(Duration.ofSeconds(30), "the second pod gone", () -> admin.pods().inNamespace(ns)
                .withName("gan-worker-0").get() == null);
        actions.delete(second); // already gone: nothing to do, no error
    }

    private static Pod create() {
        // No node in this cluster: the pod stays Pending, and a delete removes it at once.
        return admin.pods().inNamespace(ns).resource(new PodBuilder().withNewMetadata().withName("gan-worker-0")
                .endMetadata().withNewSpec().addNewContainer().withName("worker").withImage("ghcr.io/dgan/worker:test")
                .endContainer().endSpec().build()).create();
    }
}
