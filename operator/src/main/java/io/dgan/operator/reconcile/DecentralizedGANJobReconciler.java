package io.dgan.operator.reconcile;

import io.dgan.operator.crd.DecentralizedGANJob;
import io.dgan.operator.crd.DecentralizedGANJobSpec;
import io.dgan.operator.crd.DecentralizedGANJobStatus;
import io.dgan.operator.crd.FailurePolicy;
import io.dgan.operator.crd.TopologyStatus;
import io.dgan.operator.crd.WorkerState;
import io.dgan.operator.dependents.MonitoringEnabled;
import io.dgan.operator.dependents.NetworkPolicyDependent;
import io.dgan.operator.dependents.PeerServiceDependent;
import io.javaoperatorsdk.operator.processing.dependent.workflow.CRDPresentActivationCondition;
import io.dgan.operator.dependents.PodMonitorDependent;
import io.dgan.operator.dependents.TopologyConfigMapDependent;
import io.dgan.operator.dependents.TrainingConfigMapDependent;
import io.dgan.operator.metrics.OperatorMetrics;
import io.dgan.operator.progress.ProgressAggregator;
import io.dgan.operator.progress.ProgressSource;
import io.dgan.operator.progress.WorkerSample;
import io.dgan.operator.resources.Labels;
import io.dgan.operator.resources.RestartHash;
import io.dgan.operator.resources.WorkerPod;
import io.dgan.operator.topology.TopologyPlan;
import io.dgan.operator.topology.TopologyPlanner;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.dgan.operator.resources.TopologyConfigMap;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.Workflow;
import io.javaoperatorsdk.operator.api.reconciler.dependent.Dependent;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.Mappers;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Observe, validate, act, report. One reconcile:
 * <ol>
 *   <li>a finished job only waits for its TTL;</li>
 *   <li>an invalid spec sets ValidationFailed and touches nothing else (running workers are left alone);</li>
 *   <li>a spec change is classified ({@link SpecChange}) and gets the least disruptive action;</li>
 *   <li>suspend, deadline, failed workers (by failure policy and restart budget), success;</li>
 *   <li>the dependents (Service, ConfigMaps, NetworkPolicy, PodMonitor) are reconciled by the JOSDK workflow,
 *       then the worker pods, which the reconciler owns directly (see {@link WorkerPod} for why);</li>
 *   <li>status: phase, conditions, per-worker state, topology, progress; an Event on every transition.</li>
 * </ol>
 * All state is in the job's status (timestamps, epoch, applied spec, restart counts), so a restarted operator
 * resumes where the previous one stopped.
 */
@Workflow(explicitInvocation = true, dependents = {
        @Dependent(name = "peer-service", type = PeerServiceDependent.class),
        @Dependent(name = "topology-configmap", type = TopologyConfigMapDependent.class),
        @Dependent(name = "training-configmap", type = TrainingConfigMapDependent.class),
        @Dependent(name = "network-policy", type = NetworkPolicyDependent.class),
        @Dependent(name = "pod-monitor", type = PodMonitorDependent.class,
                activationCondition = CRDPresentActivationCondition.class, reconcilePrecondition = MonitoringEnabled.class)
})
@ControllerConfiguration(name = DecentralizedGANJobReconciler.NAME)
public class DecentralizedGANJobReconciler implements Reconciler<DecentralizedGANJob> {
    public static final String NAME = "decentralizedganjob";
    public static final String PHASE_PENDING = "Pending";
    public static final String PHASE_RUNNING = "Running";
    public static final String PHASE_DEGRADED = "Degraded";
    public static final String PHASE_RESTARTING = "Restarting";
    public static final String PHASE_SUSPENDED = "Suspended";
    public static final String PHASE_SUCCEEDED = "Succeeded";
    public static final String PHASE_FAILED = "Failed";
    public static final String PHASE_VALIDATION_FAILED = "ValidationFailed";
    private static final Logger LOG = LoggerFactory.getLogger(DecentralizedGANJobReconciler.class);

    private final io.dgan.operator.progress.ProgressCache progress;
    private final ClusterPolicy policy;
    private final OperatorMetrics metrics;
    private final Clock clock;
    private final Duration progressInterval;
    private final SpecValidator validator = new SpecValidator();
    private final TopologyPlanner planner = new TopologyPlanner();
    private volatile boolean cacheObserved;
    /**
     * What this process already acted on, by UID (jobs counted as created, failed pods handled). The status holds
     * the same facts, but a reconcile can start from a cached copy older than our last status write; these sets
     * keep such a pass from counting a job or a failure twice. After an operator restart the status is the truth.
     */
    private final java.util.Set<String> jobsCounted = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private final java.util.Set<String> failuresHandled = java.util.concurrent.ConcurrentHashMap.newKeySet();
    /** Pods this process deleted itself (also recorded per rank in the status as deletedUid). */
    private final java.util.Set<String> ourDeletions = java.util.concurrent.ConcurrentHashMap.newKeySet();
    /** The job as our last status write returned it, by UID: newer than the informer's copy until the watch catches up. */
    private final Map<String, DecentralizedGANJob> lastWritten = new java.util.concurrent.ConcurrentHashMap<>();

    public DecentralizedGANJobReconciler(ProgressSource progress, OperatorMetrics metrics, Clock clock,
                                         Duration progressInterval) {
        this(progress, metrics, clock, progressInterval, ClusterPolicy.none());
    }

    public DecentralizedGANJobReconciler(ProgressSource progress, OperatorMetrics metrics, Clock clock,
                                         Duration progressInterval, ClusterPolicy policy) {
        this.policy = policy;
        this.progress = new io.dgan.operator.progress.ProgressCache(progress, clock, progressInterval, 2);
        this.metrics = metrics;
        this.clock = clock;
        this.progressInterval = progressInterval;
    }

    @Override
    public List<EventSource<?, DecentralizedGANJob>> prepareEventSources(EventSourceContext<DecentralizedGANJob> context) {
        InformerEventSourceConfiguration<Pod> pods = InformerEventSourceConfiguration
                .from(Pod.class, DecentralizedGANJob.class)
                .withName("worker-pods")
                .withLabelSelector(Labels.MANAGED_BY + "=" + Labels.OPERATOR)
                .withSecondaryToPrimaryMapper(Mappers.fromOwnerReferences(DecentralizedGANJob.class))
                .build();
        return List.of(new InformerEventSource<>(pods, context));
    }

    @Override
    public UpdateControl<DecentralizedGANJob> reconcile(DecentralizedGANJob job, Context<DecentralizedGANJob> context) {
        long started = System.nanoTime();
        if (!cacheObserved) {
            metrics.observeJobs(() -> context.getPrimaryCache().list());
            cacheObserved = true;
        }
        try {
            return new Pass(job, context).run();
        } finally {
            metrics.reconciled((System.nanoTime() - started) / 1e9);
        }
    }

    /** One reconcile of one job: the state it reads and writes, so the steps below stay short. */
    private final class Pass {
        final DecentralizedGANJob job;
        final Context<DecentralizedGANJob> context;
        final DecentralizedGANJobSpec spec;
        final DecentralizedGANJobStatus status;
        final JobEvents events;
        final Instant now = clock.instant();
        final Long generation;
        final String phaseBefore;
        final Map<Integer, Pod> pods = new TreeMap<>();
        /** Epoch of the topology ConfigMap the workers already have (0 if none). */
        final long publishedEpoch;

        Pass(DecentralizedGANJob job, Context<DecentralizedGANJob> context) {
            this.job = job;
            this.context = context;
            this.spec = job.getSpec();
            DecentralizedGANJob mine = lastWritten.get(String.valueOf(job.getMetadata().getUid()));
            if (mine != null && newer(mine.getMetadata().getResourceVersion(), job.getMetadata().getResourceVersion())) {
                job.setStatus(Serialization.clone(mine.getStatus())); // the cache has not seen our last write yet
            }
            if (job.getStatus() == null) job.setStatus(new DecentralizedGANJobStatus());
            this.status = job.getStatus();
            this.events = new JobEvents(context.getClient());
            this.generation = job.getMetadata().getGeneration();
            this.phaseBefore = status.phase;
            this.publishedEpoch = publishedTopology(context, job)
                    .map(cm -> cm.getMetadata().getAnnotations())
                    .map(a -> a.get(TopologyConfigMap.EPOCH_ANNOTATION))
                    .map(Long::parseLong).orElse(0L);
            for (Pod pod : context.getSecondaryResources(Pod.class)) {
                String rank = pod.getMetadata().getLabels() == null ? null
                        : pod.getMetadata().getLabels().get(Labels.RANK);
                if (rank != null) pods.put(Integer.parseInt(rank), pod);
            }
        }

        UpdateControl<DecentralizedGANJob> run() {
            if (PHASE_SUCCEEDED.equals(status.phase) || PHASE_FAILED.equals(status.phase)) {
                return finished();
            }
            List<String> errors = validator.validate(job);
            if (!errors.isEmpty()) return invalid(String.join("; ", errors));
            if (condition(JobConditions.VALIDATION_FAILED, false, "SpecValid", "")) status.message = "";
            if (PHASE_VALIDATION_FAILED.equals(status.phase)) status.phase = null;

            applySpec();
            if (Boolean.TRUE.equals(spec.runPolicy.suspend)) return suspended();
            if (condition(JobConditions.SUSPENDED, false, "Resumed", "")) {
                status.startTime = now.toString(); // the deadline counts from the resume, like a Job's
            }
            if (PHASE_SUSPENDED.equals(status.phase)) status.phase = PHASE_PENDING;
            if (status.startTime == null) status.startTime = now.toString();
            Long deadline = spec.runPolicy.activeDeadlineSeconds;
            if (deadline != null && !Instant.parse(status.startTime).plusSeconds(deadline).isAfter(now)) {
                return fail("DeadlineExceeded", "ran longer than spec.runPolicy.activeDeadlineSeconds=" + deadline);
            }
            UpdateControl<DecentralizedGANJob> terminal = handleFailedWorkers();
            if (terminal != null) return terminal;
            terminal = checkStartTimeout();
            if (terminal != null) return terminal;
            if (allSucceeded()) return succeed();

            rejoinReplacedRanks();
            TopologyPlan plan = plan();
            reconcileDependents(plan);
            reconcilePods();
            report(plan);
            return writeStatus().rescheduleAfter(nextCheck());
        }

        // ---- steps -------------------------------------------------------------------------------------------

        UpdateControl<DecentralizedGANJob> invalid(String message) {
            if (condition(JobConditions.VALIDATION_FAILED, true, "InvalidSpec", message)) {
                LOG.warn("job={} validation failed: {}", key(), message);
            }
            if (status.phase == null) status.phase = PHASE_VALIDATION_FAILED;
            status.message = message;
            status.observedGeneration = generation;
            recordPhaseChange();
            return writeStatus();
        }

        void applySpec() {
            if (status.topology == null) status.topology = new TopologyStatus();
            if (status.applied == null) {
                status.applied = SpecChange.snapshot(spec);
                status.topology.epoch = 1L;
                status.phase = PHASE_PENDING;
                status.selector = Labels.selectorString(job.getMetadata().getName());
                if (jobsCounted.add(String.valueOf(job.getMetadata().getUid()))) {
                    condition(JobConditions.CREATED, true, "JobCreated", spec.workers + " workers on a "
                            + spec.topology.type + " graph");
                    metrics.jobCreated();
                } else {
                    JobConditions.set(status, JobConditions.CREATED, true, "JobCreated", spec.workers
                            + " workers on a " + spec.topology.type + " graph", generation, now);
                }
                return;
            }
            SpecChange change = SpecChange.classify(status.applied, spec);
            if (change == SpecChange.IGNORE) {
                status.applied = SpecChange.snapshot(spec); // fields outside the classes are not tracked
                return;
            }
            boolean graphChanged = !Objects.equals(status.applied.workers, spec.workers)
                    || !Objects.equals(status.applied.topologyType, spec.topology.type)
                    || !Objects.equals(status.applied.gossipRounds, spec.topology.gossipRounds)
                    || !Objects.equals(status.applied.topologySeed, spec.topology.seed);
            String what = switch (change) {
                case SCALE -> "scale " + status.applied.workers + " -> " + spec.workers + " workers";
                case REWIRE -> "rewire " + status.applied.topologyType + " -> " + spec.topology.type
                        + ", gossipRounds " + spec.topology.gossipRounds;
                case RESTART -> "restart: pod template, model, dataset, optimizer or training changed";
                default -> "";
            };
            if (graphChanged) {
                status.topology.epoch = epoch() + 1;
                status.topology.excludedRanks.removeIf(r -> r >= spec.workers);
                if (status.topology.memberSince != null) {
                    status.topology.memberSince.keySet().removeIf(r -> Integer.parseInt(r) >= spec.workers);
                }
            }
            if (change == SpecChange.RESTART) {
                status.topology.memberSince = new java.util.TreeMap<>(); // every pod restarts from the checkpoint
                condition(JobConditions.RESTARTING, true, "SpecChanged", what);
            }
            events.normal(job, "SpecChanged", change + ": " + what);
            metrics.specChanged(change.name());
            LOG.info("job={} specChange={} action=\"{}\" epoch={}", key(), change, what, epoch());
            status.applied = SpecChange.snapshot(spec);
        }

        UpdateControl<DecentralizedGANJob> suspended() {
            deletePods(pods.values(), "suspend");
            condition(JobConditions.SUSPENDED, true, "Suspended", "spec.runPolicy.suspend is true; "
                    + "workers removed, progress kept in checkpoints");
            condition(JobConditions.RUNNING, false, "Suspended", "");
            condition(JobConditions.PEERS_READY, false, "Suspended", "");
            status.phase = PHASE_SUSPENDED;
            TopologyPlan plan = plan();
            reconcileDependents(plan);
            pods.clear();
            report(plan);
            return writeStatus();
        }

        /**
         * Acts on each newly lost rank by the failure policy; returns a control when the job ends or restarts. Lost:
         * its pod Failed (a crash, or the kubelet evicting it), or deleted by someone other than the operator (a
         * user's delete, an eviction through the API, a drain) whether still terminating or already gone.
         */
        UpdateControl<DecentralizedGANJob> handleFailedWorkers() {
            for (int rank = 0; rank < spec.workers; rank++) {
                Pod pod = pods.get(rank);
                WorkerState worker = workerState(rank);
                String uid;
                String cause;
                if (pod != null) {
                    uid = pod.getMetadata().getUid();
                    if (deleting(pod)) {
                        if (uid == null || deletedByUs(worker, uid) || "Succeeded".equals(phaseOf(pod))) continue;
                        cause = "Deleted";
                    } else if ("Failed".equals(phaseOf(pod))) {
                        cause = "Evicted".equals(pod.getStatus().getReason()) ? "Evicted" : "Failed";
                    } else {
                        continue;
                    }
                } else {
                    // Gone between two passes: the pod this rank had was not deleted by us and never failed.
                    uid = worker.podUid;
                    if (uid == null || deletedByUs(worker, uid) || "Succeeded".equals(worker.phase)) continue;
                    cause = "Deleted";
                }
                if (uid != null && (uid.equals(worker.handledFailureUid) || !failuresHandled.add(uid))) continue;
                worker.handledFailureUid = uid;
                worker.podUid = null;
                Integer exitCode = pod == null ? null : exitCode(pod);
                worker.lastExitCode = exitCode;
                metrics.workerLost(cause);
                String what = switch (cause) {
                    case "Deleted" -> "was deleted (not by the operator)";
                    case "Evicted" -> "was evicted" + (pod.getStatus().getMessage() == null ? ""
                            : " (" + pod.getStatus().getMessage() + ")");
                    default -> "failed (exit " + exitCode + ")";
                };
                UpdateControl<DecentralizedGANJob> terminal = onWorkerLost(rank, pod, what, exitCode);
                if (terminal != null || pods.isEmpty()) return terminal;
            }
            return null;
        }

        boolean deletedByUs(WorkerState worker, String uid) {
            return uid.equals(worker.deletedUid) || ourDeletions.contains(uid);
        }

        /** The failure policy for one lost rank ({@code pod} null when it is already gone). */
        UpdateControl<DecentralizedGANJob> onWorkerLost(int rank, Pod pod, String what, Integer exitCode) {
            FailurePolicy policy = spec.failurePolicy;
            WorkerState worker = workerState(rank);
            List<Pod> doomed = pod == null ? List.of() : List.of(pod);
            if (exitCode != null && policy.nonRetryableExitCodes.contains(exitCode)) {
                return fail("NonRetryableExitCode", "rank " + rank + " exited with " + exitCode
                        + ", listed in spec.failurePolicy.nonRetryableExitCodes");
            }
            if (status.restarts >= policy.maxRestarts) {
                return fail("RestartBudgetExhausted", "rank " + rank + " " + what + " after " + status.restarts
                        + " restarts (spec.failurePolicy.maxRestarts=" + policy.maxRestarts + ")");
            }
            status.restarts++;
            worker.restarts = worker.restarts == null ? 1 : worker.restarts + 1;
            String action = policy.onWorkerFailure;
            if (!FailurePolicy.RESTART_JOB.equals(action) && !followsTopologyLive()) {
                // The survivors would wait for the dead rank until their receive deadline: a schedule's W_k is
                // drawn by the workers themselves (nothing published to rewire) and CP-OAdam's all-reduce needs
                // every rank. Restart everyone from the newest shared checkpoint instead.
                restartJob("rank " + rank + " " + what + "; spec.failurePolicy.onWorkerFailure="
                        + action + " needs workers that follow topology epochs live, which "
                        + spec.topology.type + " / " + algorithm() + " workers do not; restarting all workers");
                metrics.workerReplaced(FailurePolicy.RESTART_JOB);
                return null;
            }
            if (FailurePolicy.REWIRE_AND_REPLACE.equals(action)) {
                TreeSet<Integer> excluded = new TreeSet<>(status.topology.excludedRanks);
                excluded.add(rank);
                TopologyPlan rewired = planner.plan(spec.topology.type, spec.workers, spec.topology.gossipRounds,
                        spec.topology.seed, epoch() + 1, excluded);
                int healthy = spec.workers - excluded.size();
                int minHealthy = policy.minHealthyWorkers == null ? 1 : policy.minHealthyWorkers;
                if (!rewired.connected() || healthy < minHealthy) {
                    restartJob("rank " + rank + " " + what + " and the " + healthy + " survivors "
                            + (rewired.connected() ? "are fewer than spec.failurePolicy.minHealthyWorkers=" + minHealthy
                            : "form a disconnected graph") + "; restarting the job");
                    return null;
                }
                status.topology.excludedRanks = new ArrayList<>(excluded);
                status.topology.epoch = epoch() + 1;
                deletePods(doomed, "replace");
                pods.remove(rank);
                metrics.workerReplaced(action);
                events.warning(job, "WorkerFailed", "rank " + rank + " " + what
                        + "; rewired the survivors to topology epoch " + epoch() + " and replacing it");
                condition(JobConditions.DEGRADED, true, "WorkerReplaced", "ranks " + excluded
                        + " cut out of the graph while they are replaced");
            } else if (FailurePolicy.RESTART_JOB.equals(action)) {
                restartJob("rank " + rank + " " + what + "; restarting all workers");
                metrics.workerReplaced(action);
                return null;
            } else {
                // The graph keeps rank r, but its new pod is a new process: a new epoch whose memberSince names
                // it tells the survivors (blocked on the dead rank) to fold it out until it has warm-started
                // from its neighbours, and tells the replacement to join rather than start from scratch.
                status.topology.epoch = epoch() + 1;
                if (status.topology.memberSince == null) status.topology.memberSince = new java.util.TreeMap<>();
                status.topology.memberSince.put(Integer.toString(rank), epoch());
                deletePods(doomed, "replace");
                pods.remove(rank);
                metrics.workerReplaced(action);
                events.warning(job, "WorkerFailed", "rank " + rank + " " + what
                        + "; replacing that rank only (topology epoch " + epoch() + ": it rejoins warm-started)");
                condition(JobConditions.DEGRADED, true, "WorkerReplaced", "rank " + rank + " is being replaced");
            }
            return null;
        }

        /**
         * A worker Pending longer than spec.runPolicy.startTimeoutSeconds (unschedulable, image not pulled, a GPU
         * not granted) fails the job, naming the pod and the reason Kubernetes gives: the other ranks would hold
         * their GPUs waiting for it forever.
         */
        UpdateControl<DecentralizedGANJob> checkStartTimeout() {
            Long timeout = spec.runPolicy == null ? null : spec.runPolicy.startTimeoutSeconds;
            if (timeout == null) return null;
            for (Map.Entry<Integer, Pod> e : pods.entrySet()) {
                Pod pod = e.getValue();
                if (e.getKey() >= spec.workers || deleting(pod) || !"Pending".equals(phaseOf(pod))) continue;
                String recorded = workerState(e.getKey()).podCreatedAt;
                String created = recorded != null ? recorded : pod.getMetadata().getCreationTimestamp();
                if (created == null) continue;
                Duration waited = Duration.between(Instant.parse(created), now);
                if (waited.getSeconds() >= timeout) {
                    return fail("WorkerStartTimeout", "rank " + e.getKey() + " pod " + pod.getMetadata().getName()
                            + " Pending for " + waited.getSeconds() + " s (spec.runPolicy.startTimeoutSeconds="
                            + timeout + "): " + waitingReason(pod));
                }
            }
            return null;
        }

        /**
         * Whether this job's workers switch topology epochs while they run (docs/worker-contract.md): static graphs
         * with gossip. Not schedules (random-ring, one-peer-hypercube, random-matching; rand-dp-oadam draws a random
         * ring), not cp-oadam (its all-reduce spans every rank).
         */
        boolean followsTopologyLive() {
            String algorithm = algorithm();
            return !TopologyPlanner.isSchedule(spec.topology.type) && !"cp-oadam".equals(algorithm)
                    && !"rand-dp-oadam".equals(algorithm);
        }

        String algorithm() {
            return spec.optimizer == null || spec.optimizer.algorithm == null ? "dp-oadam" : spec.optimizer.algorithm;
        }

        void restartJob(String why) {
            deletePods(pods.values(), "restart");
            status.topology.excludedRanks = new ArrayList<>();
            status.topology.memberSince = new java.util.TreeMap<>(); // every rank starts afresh
            condition(JobConditions.RESTARTING, true, "WorkerFailed", why);
            events.warning(job, "JobRestarted", why);
            pods.clear();
        }

        /** A replaced rank re-enters the graph once its new pod is ready: full W again, new epoch. */
        void rejoinReplacedRanks() {
            List<Integer> back = new ArrayList<>();
            for (int rank : status.topology.excludedRanks) {
                Pod pod = pods.get(rank);
                if (pod != null && ready(pod) && !deleting(pod) && currentHash(pod)) back.add(rank);
            }
            if (back.isEmpty()) return;
            status.topology.excludedRanks.removeAll(back);
            status.topology.epoch = epoch() + 1;
            if (status.topology.memberSince == null) status.topology.memberSince = new java.util.TreeMap<>();
            for (int rank : back) status.topology.memberSince.put(Integer.toString(rank), epoch());
            events.normal(job, "WorkerRejoined", "ranks " + back + " are ready again; topology epoch " + epoch());
        }

        boolean allSucceeded() {
            if (pods.isEmpty()) return false;
            for (int rank = 0; rank < spec.workers; rank++) {
                Pod pod = pods.get(rank);
                if (pod == null || !"Succeeded".equals(phaseOf(pod))) return false;
            }
            return true;
        }

        UpdateControl<DecentralizedGANJob> succeed() {
            status.phase = PHASE_SUCCEEDED;
            status.completionTime = now.toString();
            condition(JobConditions.SUCCEEDED, true, "AllWorkersSucceeded", "all " + spec.workers
                    + " workers finished " + spec.training.iterations + " iterations");
            condition(JobConditions.RUNNING, false, "Succeeded", "");
            metrics.jobSucceeded();
            cleanPods();
            report(plan());
            return writeStatus().rescheduleAfter(shorter(ttlRemaining(), progressInterval));
        }

        UpdateControl<DecentralizedGANJob> fail(String reason, String message) {
            status.phase = PHASE_FAILED;
            status.completionTime = now.toString();
            status.message = message;
            condition(JobConditions.FAILED, true, reason, message);
            condition(JobConditions.RUNNING, false, reason, "");
            metrics.jobFailed(reason);
            cleanPods();
            report(plan());
            return writeStatus().rescheduleAfter(shorter(ttlRemaining(), progressInterval));
        }

        UpdateControl<DecentralizedGANJob> finished() {
            cleanPods();
            Long ttl = spec.runPolicy == null ? null : spec.runPolicy.ttlSecondsAfterFinished;
            if (ttl == null || status.completionTime == null) return UpdateControl.noUpdate();
            Duration left = ttlRemaining();
            if (left.isZero()) {
                events.normal(job, "TTLExpired", "deleting the job " + ttl + "s after it finished");
                LOG.info("job={} ttl expired, deleting", key());
                context.getClient().resource(job).delete();
                lastWritten.remove(String.valueOf(job.getMetadata().getUid()));
                return UpdateControl.noUpdate();
            }
            return UpdateControl.<DecentralizedGANJob>noUpdate().rescheduleAfter(shorter(left, progressInterval));
        }

        Duration ttlRemaining() {
            Long ttl = spec.runPolicy == null ? null : spec.runPolicy.ttlSecondsAfterFinished;
            if (ttl == null || status.completionTime == null) return Duration.ofHours(1);
            Duration left = Duration.between(now, Instant.parse(status.completionTime).plusSeconds(ttl));
            return left.isNegative() ? Duration.ZERO : left;
        }

        /** cleanPodPolicy All deletes every pod, Running the ones still running (failed ones stay for logs). */
        void cleanPods() {
            String policy = spec.runPolicy == null ? "Running" : spec.runPolicy.cleanPodPolicy;
            List<Pod> doomed = new ArrayList<>();
            for (Pod pod : pods.values()) {
                String phase = phaseOf(pod);
                if ("All".equals(policy) || ("Running".equals(policy)
                        && !"Succeeded".equals(phase) && !"Failed".equals(phase))) doomed.add(pod);
            }
            deletePods(doomed, "finished");
        }

        TopologyPlan plan() {
            java.util.Map<Integer, Long> since = new java.util.TreeMap<>();
            if (status.topology.memberSince != null) {
                status.topology.memberSince.forEach((r, e) -> since.put(Integer.parseInt(r), e));
            }
            return planner.plan(spec.topology.type, spec.workers, spec.topology.gossipRounds, spec.topology.seed,
                    epoch(), status.topology.excludedRanks).withMemberSince(since);
        }

        void reconcileDependents(TopologyPlan plan) {
            context.managedWorkflowAndDependentResourceContext().put(TopologyConfigMapDependent.PLAN_KEY, plan);
            context.managedWorkflowAndDependentResourceContext().put(ClusterPolicy.CONTEXT_KEY, policy);
            context.managedWorkflowAndDependentResourceContext().reconcileManagedWorkflow();
        }

        /** Delete pods of removed ranks and pods from an older restart hash; create every missing rank. */
        void reconcilePods() {
            String hash = RestartHash.of(spec);
            for (Map.Entry<Integer, Pod> e : new ArrayList<>(pods.entrySet())) {
                Pod pod = e.getValue();
                if (deleting(pod)) continue;
                if (e.getKey() >= spec.workers) {
                    deletePods(List.of(pod), "scale-down");
                    pods.remove(e.getKey());
                } else if (!hash.equals(annotation(pod, RestartHash.ANNOTATION))) {
                    deletePods(List.of(pod), "restart");
                    pods.remove(e.getKey());
                }
            }
            for (int rank = 0; rank < spec.workers; rank++) {
                if (pods.containsKey(rank)) continue;
                Pod desired = WorkerPod.desired(job, rank);
                if (spec.training.checkpointVolume != null) ensureCheckpointClaim(rank);
                try {
                    context.getClient().pods().inNamespace(job.getMetadata().getNamespace()).resource(desired).create();
                    workerState(rank).podCreatedAt = now.toString();
                    LOG.debug("job={} created pod={}", key(), desired.getMetadata().getName());
                } catch (KubernetesClientException ex) {
                    if (ex.getCode() != 409) throw ex; // the cache had not seen it yet, or an old one is terminating
                }
            }
        }

        /** The rank's checkpoint claim, created once and kept across its pods (deleted with the job by its owner). */
        void ensureCheckpointClaim(int rank) {
            try {
                context.getClient().persistentVolumeClaims().inNamespace(job.getMetadata().getNamespace())
                        .resource(WorkerPod.checkpointClaim(job, rank)).create();
            } catch (KubernetesClientException ex) {
                if (ex.getCode() != 409) throw ex; // it exists: the rank's checkpoints are on it
            }
        }

        void report(TopologyPlan plan) {
            TopologyStatus t = status.topology;
            t.type = plan.type();
            t.workers = plan.workers();
            t.epoch = plan.epoch();
            t.spectralGap = round(plan.spectralGap());
            t.rho = round(plan.rho());
            t.connected = plan.connected();
            t.gossipRounds = plan.gossipRounds();
            t.seed = plan.seed();

            int ready = 0, addressed = 0, existing = 0, finished = 0;
            List<Pod> running = new ArrayList<>();
            for (int rank = 0; rank < spec.workers; rank++) {
                Pod pod = pods.get(rank);
                if (pod == null || deleting(pod)) continue;
                existing++;
                if (pod.getStatus() != null && pod.getStatus().getPodIP() != null) addressed++;
                if (ready(pod) && currentHash(pod)) ready++;
                if ("Succeeded".equals(phaseOf(pod))) finished++;
                if ("Running".equals(phaseOf(pod))) running.add(pod);
            }
            status.replicas = existing;
            status.readyWorkers = ready;
            status.ready = ready + "/" + spec.workers;
            status.selector = Labels.selectorString(job.getMetadata().getName());
            sampleProgress(running);
            status.workers = workerStates();

            if (!PHASE_SUCCEEDED.equals(status.phase) && !PHASE_FAILED.equals(status.phase)
                    && !PHASE_SUSPENDED.equals(status.phase)) {
                // Ranks finish a few steps apart: one that already exited 0 is done, not missing.
                boolean allReady = ready + finished == spec.workers && ready > 0;
                boolean peersAddressed = addressed + finished >= spec.workers;
                String waiting = "";
                for (int rank = 0; rank < spec.workers && waiting.isEmpty(); rank++) {
                    Pod pod = pods.get(rank);
                    if (pod != null && !deleting(pod) && "Pending".equals(phaseOf(pod))) {
                        String reason = waitingReason(pod);
                        if (!reason.startsWith("Pending")) waiting = "; " + pod.getMetadata().getName() + ": " + reason;
                    }
                }
                condition(JobConditions.PEERS_READY, peersAddressed,
                        peersAddressed ? "AllPeersAddressed" : "WaitingForPeers",
                        addressed + "/" + spec.workers + " workers have an address" + waiting);
                if (allReady && t.excludedRanks.isEmpty()) {
                    status.phase = PHASE_RUNNING;
                    condition(JobConditions.RUNNING, true, "AllWorkersReady", ready + " workers ready"
                            + (finished > 0 ? ", " + finished + " finished" : ""));
                    condition(JobConditions.RESTARTING, false, "AllWorkersReady", "");
                    condition(JobConditions.DEGRADED, false, "AllWorkersReady", "");
                    if (status.runningTime == null) {
                        status.runningTime = now.toString();
                        String created = job.getMetadata().getCreationTimestamp();
                        if (created != null) {
                            metrics.reachedRunning(Duration.between(Instant.parse(created), now).toMillis() / 1000.0);
                        }
                    }
                } else if (JobConditions.isTrue(status, JobConditions.RESTARTING)) {
                    status.phase = PHASE_RESTARTING;
                } else if (!t.excludedRanks.isEmpty() || status.runningTime != null) {
                    status.phase = PHASE_DEGRADED;
                    condition(JobConditions.DEGRADED, true, t.excludedRanks.isEmpty() ? "WorkersNotReady"
                            : "WorkerReplaced", ready + "/" + spec.workers + " workers ready"
                            + (t.excludedRanks.isEmpty() ? "" : ", ranks " + t.excludedRanks + " cut out"));
                } else {
                    status.phase = PHASE_PENDING;
                }
            }
            status.observedGeneration = generation;
            recordPhaseChange();
        }

        /** Reads the progress cache (never waits on a worker) and marks progress stale when its sample is old. */
        void sampleProgress(List<Pod> running) {
            if (running.isEmpty()) return;
            var snapshot = progress.latest(String.valueOf(job.getMetadata().getUid()), running,
                    spec.monitoring.metricsPort);
            Instant previous = status.progress == null || status.progress.sampledAt == null ? null
                    : Instant.parse(status.progress.sampledAt);
            if (snapshot != null && !snapshot.samples().isEmpty()
                    && (previous == null || !snapshot.sampledAt().isBefore(previous))) {
                status.progress = ProgressAggregator.aggregate(status.progress, snapshot.samples().values(),
                        spec.training.iterations, snapshot.sampledAt());
                for (Pod pod : running) {
                    WorkerSample s = snapshot.samples().get(pod.getMetadata().getName());
                    if (s == null) continue;
                    WorkerState w = workerState(rank(pod));
                    w.lastStep = s.steps();
                    w.lastHeartbeat = snapshot.sampledAt().toString();
                }
            }
            if (status.progress != null) {
                boolean stale = status.progress.sampledAt == null
                        || Instant.parse(status.progress.sampledAt).plus(progress.staleAfter()).isBefore(now);
                status.progress.stale = stale ? Boolean.TRUE : null;
            }
        }

        List<WorkerState> workerStates() {
            List<WorkerState> out = new ArrayList<>();
            for (int rank = 0; rank < spec.workers; rank++) {
                WorkerState w = workerState(rank);
                Pod pod = pods.get(rank);
                w.pod = pod == null ? null : pod.getMetadata().getName();
                w.node = pod == null || pod.getSpec() == null ? null : pod.getSpec().getNodeName();
                w.phase = pod == null || deleting(pod) ? "Missing" : ready(pod) ? "Ready" : phaseOf(pod);
                w.podUid = pod == null || deleting(pod) || "Failed".equals(phaseOf(pod)) ? null : pod.getMetadata().getUid();
                w.waitingReason = pod != null && !deleting(pod) && "Pending".equals(phaseOf(pod)) ? waitingReason(pod) : null;
                out.add(w);
            }
            return out;
        }

        // ---- helpers -----------------------------------------------------------------------------------------

        private final Map<Integer, WorkerState> workerStates = new HashMap<>();

        WorkerState workerState(int rank) {
            return workerStates.computeIfAbsent(rank, r -> status.workers.stream()
                    .filter(w -> Objects.equals(w.rank, r)).findFirst().orElseGet(() -> {
                        WorkerState w = new WorkerState();
                        w.rank = r;
                        return w;
                    }));
        }

        /**
         * The epoch in force: the status's, but never below what the workers were already given. A status write
         * can fail after the ConfigMap was published (the pass is then retried from the older status); epochs
         * must still only grow, since workers order topology changes by them.
         */
        long epoch() {
            long recorded = status.topology.epoch == null ? 1L : status.topology.epoch;
            if (publishedEpoch > recorded) status.topology.epoch = publishedEpoch;
            return Math.max(recorded, publishedEpoch);
        }

        /**
         * Writes the status now, based on the server's current object (GET, then a JSON patch of the difference,
         * retried on a conflict), and remembers the result: JOSDK's own status patch is computed against the cached
         * copy, which fails or is lost when that copy is stale, and the next pass would not see it either.
         */
        UpdateControl<DecentralizedGANJob> writeStatus() {
            String ns = job.getMetadata().getNamespace();
            String name = job.getMetadata().getName();
            DecentralizedGANJobStatus written = Serialization.clone(status);
            for (int attempt = 0; ; attempt++) {
                try {
                    DecentralizedGANJob updated = context.getClient().resources(DecentralizedGANJob.class)
                            .inNamespace(ns).withName(name).editStatus(fresh -> {
                                fresh.setStatus(Serialization.clone(written));
                                return fresh;
                            });
                    lastWritten.put(String.valueOf(job.getMetadata().getUid()), updated);
                    return UpdateControl.noUpdate();
                } catch (KubernetesClientException e) {
                    if (e.getCode() == 404) return UpdateControl.noUpdate(); // deleted meanwhile
                    if (e.getCode() != 409 || attempt >= 4) throw e;
                }
            }
        }

        /** Sets a condition and records an Event when it flips. */
        boolean condition(String type, boolean value, String reason, String message) {
            boolean flipped = JobConditions.set(status, type, value, reason, message, generation, now);
            if (flipped) {
                String text = type + "=" + (value ? "True" : "False") + " (" + reason + ")"
                        + (message == null || message.isEmpty() ? "" : ": " + message);
                boolean bad = value && (type.equals(JobConditions.FAILED) || type.equals(JobConditions.DEGRADED)
                        || type.equals(JobConditions.VALIDATION_FAILED));
                if (bad) events.warning(job, type, text); else events.normal(job, type, text);
            }
            return flipped;
        }

        void recordPhaseChange() {
            if (!Objects.equals(phaseBefore, status.phase)) {
                events.normal(job, "Phase" + status.phase, "phase " + phaseBefore + " -> " + status.phase);
                LOG.info("job={} phase={} previous={} ready={} epoch={}", key(), status.phase, phaseBefore,
                        status.ready, status.topology == null ? null : status.topology.epoch);
            }
        }

        void deletePods(java.util.Collection<Pod> doomed, String why) {
            for (Pod pod : doomed) {
                if (deleting(pod)) continue;
                String uid = pod.getMetadata().getUid();
                if (uid != null) {
                    ourDeletions.add(uid);
                    Map<String, String> labels = pod.getMetadata().getLabels();
                    if (labels != null && labels.get(Labels.RANK) != null) {
                        WorkerState w = workerState(rank(pod));
                        w.deletedUid = uid;
                        if (uid.equals(w.podUid)) w.podUid = null;
                    }
                }
                LOG.info("job={} deleting pod={} reason={}", key(), pod.getMetadata().getName(), why);
                context.getClient().pods().inNamespace(pod.getMetadata().getNamespace())
                        .withName(pod.getMetadata().getName()).delete();
            }
        }

        Duration nextCheck() {
            Duration next = progressInterval;
            Long deadline = spec.runPolicy.activeDeadlineSeconds;
            if (deadline != null && status.startTime != null) {
                Duration left = Duration.between(now, Instant.parse(status.startTime).plusSeconds(deadline));
                if (left.compareTo(next) < 0) next = left.isNegative() ? Duration.ofMillis(1) : left;
            }
            return next;
        }

        boolean currentHash(Pod pod) {
            return RestartHash.of(spec).equals(annotation(pod, RestartHash.ANNOTATION));
        }

        String key() {
            return job.getMetadata().getNamespace() + "/" + job.getMetadata().getName();
        }
    }

    /** The topology ConfigMap as the dependent's informer last saw it (two ConfigMap dependents share a kind). */
    @SuppressWarnings("unchecked")
    static java.util.Optional<ConfigMap> publishedTopology(Context<DecentralizedGANJob> context, DecentralizedGANJob job) {
        var source = context.eventSourceRetriever().getEventSourceFor(ConfigMap.class, "topology-configmap");
        if (!(source instanceof io.javaoperatorsdk.operator.processing.event.source.informer.ManagedInformerEventSource<?, ?, ?> informer)) {
            return java.util.Optional.empty();
        }
        return ((io.javaoperatorsdk.operator.processing.event.source.informer.ManagedInformerEventSource<ConfigMap, ?, ?>) informer)
                .get(new io.javaoperatorsdk.operator.processing.event.ResourceID(
                        io.dgan.operator.resources.Names.topologyConfigMap(job.getMetadata().getName()),
                        job.getMetadata().getNamespace()));
    }

    /** Resource versions are opaque, but numeric on every API server in practice; non-numeric ones never win. */
    static boolean newer(String a, String b) {
        try {
            return Long.parseLong(a) > Long.parseLong(b);
        } catch (NumberFormatException | NullPointerException e) {
            return false;
        }
    }

    static String phaseOf(Pod pod) {
        return pod.getStatus() == null || pod.getStatus().getPhase() == null ? "Pending" : pod.getStatus().getPhase();
    }

    static boolean ready(Pod pod) {
        return "Running".equals(phaseOf(pod)) && pod.getStatus().getConditions() != null
                && pod.getStatus().getConditions().stream()
                .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
    }

    static boolean deleting(Pod pod) {
        return pod.getMetadata().getDeletionTimestamp() != null;
    }

    static int rank(Pod pod) {
        return Integer.parseInt(pod.getMetadata().getLabels().get(Labels.RANK));
    }

    static String annotation(Pod pod, String key) {
        return pod.getMetadata().getAnnotations() == null ? null : pod.getMetadata().getAnnotations().get(key);
    }

    /**
     * Why a Pending pod is not running, as Kubernetes says it: the scheduler's PodScheduled=False reason and message
     * (Unschedulable: 0/4 nodes are available: insufficient nvidia.com/gpu), else a container's waiting reason
     * (ErrImagePull, ImagePullBackOff, CreateContainerConfigError) and message.
     */
    static String waitingReason(Pod pod) {
        if (pod.getStatus() != null && pod.getStatus().getConditions() != null) {
            for (var c : pod.getStatus().getConditions()) {
                if ("PodScheduled".equals(c.getType()) && "False".equals(c.getStatus())) {
                    return (c.getReason() == null ? "NotScheduled" : c.getReason())
                            + (c.getMessage() == null ? "" : ": " + c.getMessage());
                }
            }
        }
        if (pod.getStatus() != null && pod.getStatus().getContainerStatuses() != null) {
            for (ContainerStatus cs : pod.getStatus().getContainerStatuses()) {
                if (cs.getState() != null && cs.getState().getWaiting() != null
                        && cs.getState().getWaiting().getReason() != null) {
                    var w = cs.getState().getWaiting();
                    return w.getReason() + (w.getMessage() == null ? "" : ": " + w.getMessage());
                }
            }
        }
        return "Pending (no reason reported yet)";
    }

    static Integer exitCode(Pod pod) {
        if (pod.getStatus() == null || pod.getStatus().getContainerStatuses() == null) return null;
        for (ContainerStatus cs : pod.getStatus().getContainerStatuses()) {
            if (cs.getState() != null && cs.getState().getTerminated() != null) {
                return cs.getState().getTerminated().getExitCode();
            }
        }
        return null;
    }

    /** Timers are re-checked at least every progress interval: they are computed from timestamps, so a late
     * check costs nothing, and the clock may jump (tests) or the operator may have been down. */
    static Duration shorter(Duration a, Duration b) {
        return a.compareTo(b) < 0 ? a : b;
    }

    static double round(double x) {
        return Math.round(x * 1e6) / 1e6;
    }
}
