package io.dgan.operator;

import io.dgan.operator.crd.DecentralizedGANJob;
import io.dgan.operator.metrics.OperatorMetrics;
import io.dgan.operator.reconcile.DecentralizedGANJobReconciler;
import io.dgan.operator.resources.Labels;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.Operator;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.time.Duration;
import java.util.List;

/**
 * The operator running against the Fabric8 mock server (CRUD mode). There is no kubelet: tests move pods
 * through their phases by writing pod status, exactly what a kubelet would report.
 */
public final class MockCluster implements AutoCloseable {
    public final KubernetesClient client;
    public final Operator operator;
    public final FakeProgressSource progress = new FakeProgressSource();
    public final TestClock clock = new TestClock();
    public final PrometheusRegistry registry = new PrometheusRegistry();
    public final OperatorMetrics metrics = new OperatorMetrics(registry);

    public MockCluster(KubernetesClient client) {
        this(client, Duration.ofMillis(300));
    }

    /** @param progressInterval how often a job is re-checked without an event (production default: 30 s) */
    public MockCluster(KubernetesClient client, Duration progressInterval) {
        this(client, progressInterval, io.dgan.operator.reconcile.ClusterPolicy.none());
    }

    /** @param policy the operator-wide settings (the chart's values) */
    public MockCluster(KubernetesClient client, Duration progressInterval,
                       io.dgan.operator.reconcile.ClusterPolicy policy) {
        this.client = client;
        operator = new Operator(o -> o.withKubernetesClient(client)
                .withSSABasedCreateUpdateMatchForDependentResources(false)
                .withUseSSAToPatchPrimaryResource(false)
                .withCloseClientOnStop(false)
                .checkingCRDAndValidateLocalModel(false)
                .withConcurrentReconciliationThreads(8)
                .withReconciliationTerminationTimeout(Duration.ofSeconds(2)));
        operator.register(new DecentralizedGANJobReconciler(progress, metrics, clock, progressInterval, policy));
        operator.start();
    }

    public DecentralizedGANJob create(DecentralizedGANJob job) {
        job.getMetadata().setUid(null);
        job.getMetadata().setGeneration(null);
        try {
            return client.resource(job).create();
        } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
            // On a starved machine the client may time out and resend a POST that did go through.
            if (e.getCode() != 409) throw e;
            return get(job.getMetadata().getNamespace(), job.getMetadata().getName());
        }
    }

    /** A status write as a kubelet makes it: re-read and retry when the pod changed in between. */
    private void writeStatus(Pod pod, java.util.function.UnaryOperator<Pod> change) {
        for (int attempt = 0; ; attempt++) {
            try {
                client.pods().inNamespace(pod.getMetadata().getNamespace()).withName(pod.getMetadata().getName())
                        .editStatus(change);
                return;
            } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
                if (e.getCode() != 409 || attempt >= 20) throw e;
                try {
                    Thread.sleep(10L * (attempt + 1)); // the operator writes the same pod; let it finish
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }

    /**
     * A user's edit of a job: read, change, write with the read resourceVersion. The operator writes the same
     * object's status meanwhile (the mock has no separate status subresource), so a 409 Conflict is retried, as
     * kubectl edit would have the user do.
     */
    public void edit(String namespace, String name, java.util.function.Consumer<DecentralizedGANJob> change) {
        for (int attempt = 1; ; attempt++) {
            try {
                client.resources(DecentralizedGANJob.class).inNamespace(namespace).withName(name).edit(j -> {
                    change.accept(j);
                    return j;
                });
                return;
            } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
                if (e.getCode() != 409 || attempt >= 20) {
                    throw e;
                }
            }
        }
    }

    public DecentralizedGANJob get(String ns, String name) {
        return client.resources(DecentralizedGANJob.class).inNamespace(ns).withName(name).get();
    }

    public String phase(String ns, String name) {
        DecentralizedGANJob j = get(ns, name);
        return j == null || j.getStatus() == null ? null : j.getStatus().phase;
    }

    public List<Pod> workers(String ns, String job) {
        return client.pods().inNamespace(ns).withLabel(Labels.JOB, job).list().getItems();
    }

    /** The job's worker pods not being deleted: name -> uid (a recreated pod keeps its name, not its uid). */
    public java.util.Map<String, String> podUids(String ns, String job) {
        return workers(ns, job).stream().filter(p -> p.getMetadata().getDeletionTimestamp() == null)
                .collect(java.util.stream.Collectors.toMap(p -> p.getMetadata().getName(), p -> p.getMetadata().getUid()));
    }

    /** Creates the job, marks its pods ready and waits for Running; returns pod name -> uid. */
    public java.util.Map<String, String> running(DecentralizedGANJob job, Duration wait) {
        String ns = job.getMetadata().getNamespace(), name = job.getMetadata().getName();
        create(job);
        Eventually.await(name + " pods", wait, () -> workers(ns, name).size() == job.getSpec().workers);
        markAllReady(ns, name);
        Eventually.await(name + " Running", wait, () -> "Running".equals(phase(ns, name)));
        return podUids(ns, name);
    }

    /** The Events recorded about the object of that name. */
    public List<io.fabric8.kubernetes.api.model.Event> events(String ns, String name) {
        return client.v1().events().inNamespace(ns).list().getItems().stream()
                .filter(e -> name.equals(e.getInvolvedObject().getName())).toList();
    }

    /** The operator's metrics in Prometheus' text format. */
    public String scrape() {
        try {
            var out = new java.io.ByteArrayOutputStream();
            io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter.create().write(out, registry.scrape());
            return out.toString(java.nio.charset.StandardCharsets.UTF_8);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** What a kubelet reports once the worker container is up and its readiness probe passes. */
    public void markReady(Pod pod) {
        int rank = Integer.parseInt(pod.getMetadata().getLabels().get(Labels.RANK));
        writeStatus(pod, p -> {
                    if (p.getStatus() == null) p.setStatus(new io.fabric8.kubernetes.api.model.PodStatus());
                    p.getStatus().setPhase("Running");
                    p.getStatus().setPodIP("10.0.0." + (rank + 10));
                    p.getStatus().setConditions(List.of(new PodConditionBuilder().withType("Ready")
                            .withStatus("True").build()));
                    return p;
                });
    }

    public void markAllReady(String ns, String job) {
        for (Pod pod : workers(ns, job)) {
            if (!"Running".equals(pod.getStatus() == null ? null : pod.getStatus().getPhase())) markReady(pod);
        }
    }

    /** What a kubelet reports when the worker process exits with {@code exitCode}. */
    public void terminate(Pod pod, String phase, int exitCode) {
        terminate(pod, phase, exitCode, null, null);
    }

    /**
     * As {@link #terminate(Pod, String, int)}, with the container's termination message (what the worker wrote, or
     * its log's tail) and when it stopped (null: not reported).
     */
    public void terminate(Pod pod, String phase, int exitCode, String message, java.time.Instant finishedAt) {
        writeStatus(pod, p -> {
                    if (p.getStatus() == null) p.setStatus(new io.fabric8.kubernetes.api.model.PodStatus());
                    p.getStatus().setPhase(phase);
                    p.getStatus().setConditions(List.of(new PodConditionBuilder().withType("Ready")
                            .withStatus("False").build()));
                    p.getStatus().setContainerStatuses(List.of(new ContainerStatusBuilder().withName("worker")
                            .withNewState().withNewTerminated().withExitCode(exitCode).withMessage(message)
                            .withFinishedAt(finishedAt == null ? null : finishedAt.toString()).endTerminated()
                            .endState().build()));
                    return p;
                });
    }

    public Pod pod(String ns, String name) {
        return client.pods().inNamespace(ns).withName(name).get();
    }

    @Override
    public void close() {
        operator.stop();
    }
}
