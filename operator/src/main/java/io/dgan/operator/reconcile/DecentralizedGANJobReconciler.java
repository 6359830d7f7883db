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
import io.dgan.operator.resources.TopologyConfigMap;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Pod;
import io.dgan.operator.resources.KueueWorkload;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.ErrorStatusUpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.RetryInfo;
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
import static io.dgan.operator.reconcile.WorkerPods.annotation;
import static io.dgan.operator.reconcile.WorkerPods.deleting;
import static io.dgan.operator.reconcile.WorkerPods.phaseOf;
import static io.dgan.operator.reconcile.WorkerPods.rank;
import static io.dgan.operator.reconcile.WorkerPods.ready;
import static io.dgan.operator.reconcile.WorkerPods.waitingReason;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One reconcile pass, in the Flink operator's order: <b>observe</b> ({@link WorkerPods}: the pods by rank and what
 * each says of itself; {@link StatusWriter#useFreshest}: the status as we last wrote it), <b>validate</b>
 * ({@link SpecValidator}), <b>decide</b> ({@link SpecChange} for a spec change, {@link WorkerLoss} for a lost or
 * stuck worker, {@link FailureResponse} for what the failure policy does about it, {@link PhaseRules} for the phase), <b>act</b> (the JOSDK workflow for the dependents,
 * {@link PodActions} for pods and claims), <b>record status</b> ({@link StatusWriter}, {@link JobConditions},
 * {@link JobEvents}). Each part is tested alone; this class orders them:
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
    /** How often a job whose pods wait for cert-manager's certificates looks for their Secrets. */
    static final Duration CERTIFICATE_POLL = Duration.ofSeconds(2);
    /** How often a job waiting for Kueue's admission re-reads its Workload. */
    static final Duration ADMISSION_POLL = Duration.ofSeconds(2);

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
    /** Our last status write per job: newer than the informer's copy until the watch catches up. */
    private final StatusWriter statusWriter = new StatusWriter();
    private final GossipCertificateRenewal renewal;
    /** The cert-manager objects this process created (see CertManagerActions). */
    private final java.util.Set<String> certManagerObjects = java.util.concurrent.ConcurrentHashMap.newKeySet();

    public DecentralizedGANJobReconciler(ProgressSource progress, OperatorMetrics metrics, Clock clock,
                                         Duration progressInterval) {
        this(progress, metrics, clock, progressInterval, ClusterPolicy.none());
    }

    public DecentralizedGANJobReconciler(ProgressSource progress, OperatorMetrics metrics, Clock clock,
                                         Duration progressInterval, ClusterPolicy policy) {
        this.policy = policy;
        this.renewal = new GossipCertificateRenewal(clock, policy.gossipCertificateValidity());
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

    /**
     * A reconcile threw (JOSDK retries it with backoff): a Warning event {@code ReconcileFailed} naming what failed,
     * at the first failure and when the retries are spent; then the job is looked at again after
     * {@link ReconcileFailure#RETRY_AFTER_EXHAUSTION} instead of waiting for its next change, so that a job held up by
     * a missing grant or an unreachable API goes on by itself once that is fixed.
     */
    @Override
    public ErrorStatusUpdateControl<DecentralizedGANJob> updateErrorStatus(DecentralizedGANJob job,
            Context<DecentralizedGANJob> context, Exception e) {
        RetryInfo retry = context.getRetryInfo().orElse(null);
        boolean last = retry == null || retry.isLastAttempt();
        String why = ReconcileFailure.describe(e);
        // JOSDK counts the attempts of one failure from 0.
        LOG.warn("job={}/{} reconcile failed (attempt {}): {}", job.getMetadata().getNamespace(),
                job.getMetadata().getName(), retry == null ? 1 : retry.getAttemptCount() + 1, why);
        if (retry == null || retry.getAttemptCount() == 0 || last) {
            new JobEvents(context.getClient()).warning(job, "ReconcileFailed", why + (last
                    ? "; tried again every " + ReconcileFailure.RETRY_AFTER_EXHAUSTION.toSeconds() + " s"
                    : "; retrying"));
        }
        ErrorStatusUpdateControl<DecentralizedGANJob> control = ErrorStatusUpdateControl.noStatusUpdate();
        return last ? control.rescheduleAfter(ReconcileFailure.RETRY_AFTER_EXHAUSTION) : control;
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
        /** The job's first pass (its spec never applied): it has no gossip Secrets yet. */
        final boolean firstPass;
        final Map<Integer, Pod> pods = new TreeMap<>();
        final PodActions actions;
        final CertManagerActions certManagerActions;
        /** The job's Kueue Workload and what it says, on a job labelled with a queue; null otherwise. */
        KueueAdmission admission;
        GenericKubernetesResource workload;
        /** Epoch of the topology ConfigMap the workers already have (0 if none). */
        final long publishedEpoch;

        Pass(DecentralizedGANJob job, Context<DecentralizedGANJob> context) {
            this.job = job;
            this.context = context;
            this.spec = job.getSpec();
            statusWriter.useFreshest(job);
            if (job.getStatus() == null) job.setStatus(new DecentralizedGANJobStatus());
            this.status = job.getStatus();
            this.events = new JobEvents(context.getClient());
            this.generation = job.getMetadata().getGeneration();
            this.phaseBefore = status.phase;
            this.firstPass = status.applied == null;
            this.publishedEpoch = publishedTopology(context, job)
                    .map(cm -> cm.getMetadata().getAnnotations())
                    .map(a -> a.get(TopologyConfigMap.EPOCH_ANNOTATION))
                    .map(Long::parseLong).orElse(0L);
            pods.putAll(WorkerPods.byRank(context.getSecondaryResources(Pod.class)));
            this.actions = new PodActions(context.getClient());
            this.certManagerActions = new CertManagerActions(context.getClient(), certManagerObjects);
            this.kueue = new KueueActions(context.getClient());
        }

        final KueueActions kueue;

        UpdateControl<DecentralizedGANJob> run() {
            Rerun rerun = null;
            if (PHASE_SUCCEEDED.equals(status.phase) || PHASE_FAILED.equals(status.phase)) {
                rerun = Rerun.decide(status.phase, status.applied, spec,
                        status.progress == null ? null : status.progress.maxStep).orElse(null);
                if (rerun == null) {
                    boolean changed = applyClaimRetention(); // "keep the checkpoints" before deleting a failed job
                    // A change that made the spec invalid, then undone: the job is as it finished.
                    if (JobConditions.isTrue(status, JobConditions.VALIDATION_FAILED) && validator.validate(job).isEmpty()) {
                        condition(JobConditions.VALIDATION_FAILED, false, "SpecValid", "");
                        changed = true;
                    }
                    if (changed) writeStatus();
                    return finished();
                }
            }
            List<String> errors = validator.validate(job);
            if (!errors.isEmpty()) {
                return rerun == null ? invalid(String.join("; ", errors)) : invalidRerun(String.join("; ", errors));
            }
            if (condition(JobConditions.VALIDATION_FAILED, false, "SpecValid", "")) status.message = "";
            if (PHASE_VALIDATION_FAILED.equals(status.phase)) status.phase = null;

            applySpec();
            if (rerun != null) rerun(rerun);
            if (Boolean.TRUE.equals(spec.runPolicy.suspend)) return suspended();
            if (KueueWorkload.queueName(job) != null) {
                admission = admission();
                if (admission.state() != KueueAdmission.State.ADMITTED) return notAdmitted(admission);
                condition(JobConditions.ADMITTED, true, admission.reason(), admission.message());
            }
            if (condition(JobConditions.SUSPENDED, false, admission != null ? "Admitted" : "Resumed", "")) {
                status.startTime = now.toString(); // the deadline counts from the resume, like a Job's
            }
            if (PHASE_SUSPENDED.equals(status.phase)) status.phase = PHASE_PENDING;
            if (status.startTime == null) status.startTime = now.toString();
            Long deadline = spec.runPolicy.activeDeadlineSeconds;
            if (deadline != null && !Instant.parse(status.startTime).plusSeconds(deadline).isAfter(now)) {
                return fail(JobConditions.DEADLINE_EXCEEDED, "ran longer than spec.runPolicy.activeDeadlineSeconds=" + deadline);
            }
            UpdateControl<DecentralizedGANJob> terminal = handleFailedWorkers();
            if (terminal != null) return terminal;
            terminal = checkStartTimeout();
            if (terminal != null) return terminal;
            if (allSucceeded()) return succeed();

            rejoinReplacedRanks();
            TopologyPlan plan = plan();
            reconcileDependents(plan);
            // Before the pods: a rank whose certificate expired while the job was suspended starts with a new one.
            renewCertificates();
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

        /** A finished job whose change would run it again, but whose spec is invalid: it stays finished. */
        UpdateControl<DecentralizedGANJob> invalidRerun(String message) {
            if (condition(JobConditions.VALIDATION_FAILED, true, "InvalidSpec", message + " (the job stays "
                    + status.phase + ")")) {
                LOG.warn("job={} not run again, validation failed: {}", key(), message);
            }
            status.observedGeneration = generation;
            writeStatus();
            return finished();
        }

        /**
         * A finished job runs again ({@link Rerun}): its pods go (failed ones were kept for their logs), the restart
         * budget, deadline and completion are reset, and every rank starts from the newest checkpoint they share,
         * as after a restart. A queued job's finished Workload is deleted so that Kueue admits it anew.
         */
        void rerun(Rerun rerun) {
            deletePods(pods.values(), "rerun");
            pods.clear();
            status.phase = PHASE_PENDING;
            status.completionTime = null;
            status.message = "";
            status.startTime = now.toString(); // the deadline counts from the rerun
            status.restarts = 0;
            status.topology.excludedRanks = new ArrayList<>();
            status.topology.memberSince = new java.util.TreeMap<>(); // every rank starts from the checkpoints
            condition(rerun.from().equals(PHASE_FAILED) ? JobConditions.FAILED : JobConditions.SUCCEEDED, false,
                    "Rerun", "");
            condition(JobConditions.RESTARTING, true, "Rerun", rerun.message());
            events.normal(job, "Rerun", rerun.message());
            metrics.jobRerun(rerun.from());
            LOG.info("job={} rerun from={} {}", key(), rerun.from(), rerun.message());
            if (KueueWorkload.queueName(job) != null) {
                GenericKubernetesResource finished = kueue.workload(job.getMetadata().getNamespace(),
                        KueueWorkload.name(job.getMetadata().getName()));
                if (finished != null) kueue.delete(finished); // a Finished Workload is never admitted again
            }
        }

        /**
         * {@code checkpointVolume.whenDeleted} changed: the job takes or gives up ownership of its existing claims
         * (not a worker's concern: no restart). Returns whether it changed.
         */
        boolean applyClaimRetention() {
            String wanted = SpecChange.whenDeleted(spec);
            if (status.applied == null || wanted == null) return false;
            String applied = status.applied.checkpointsWhenDeleted == null ? io.dgan.operator.crd.CheckpointVolumeSpec.DELETE
                    : status.applied.checkpointsWhenDeleted;
            if (wanted.equals(applied)) return false;
            boolean owned = !spec.training.checkpointVolume.retained();
            int ranks = Math.max(spec.workers, status.applied.workers == null ? 0 : status.applied.workers);
            List<Integer> changed = new ArrayList<>();
            for (int rank = 0; rank < ranks; rank++) {
                if (actions.own(job, io.dgan.operator.resources.Names.checkpointClaim(job.getMetadata().getName(), rank),
                        owned)) {
                    changed.add(rank);
                }
            }
            status.applied.checkpointsWhenDeleted = wanted;
            String what = owned ? "the checkpoint claims are the job's again: deleted with it"
                    : "the checkpoint claims are kept when the job is deleted; delete them with kubectl delete pvc -l "
                    + io.dgan.operator.resources.Labels.JOB + "=" + job.getMetadata().getName();
            events.normal(job, "CheckpointRetention", "spec.training.checkpointVolume.whenDeleted " + applied + " -> "
                    + wanted + ": " + what + " (ranks " + changed + " updated)");
            LOG.info("job={} checkpoint claims whenDeleted {} -> {} ranks={}", key(), applied, wanted, changed);
            return true;
        }

        void applySpec() {
            if (status.topology == null) status.topology = new TopologyStatus();
            if (status.applied != null) applyClaimRetention();
            if (status.applied == null) {
                status.applied = SpecChange.snapshot(spec);
                status.topology.epoch = 1L;
                status.phase = PHASE_PENDING;
                status.selector = Labels.selectorString(job.getMetadata().getName());
                status.gossipCertificateIssuer = policy.gossipCertificateIssuer().resolve(context.getClient()).value();
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
                    || SpecChange.topologyChanged(status.applied, spec);
            String what = switch (change) {
                case SCALE -> "scale " + status.applied.workers + " -> " + spec.workers + " workers";
                case REWIRE -> "rewire " + status.applied.topologyType + " -> " + spec.topology.type
                        + ", gossipRounds " + spec.topology.gossipRounds;
                case RESTART -> "restart: pod template, model, dataset, optimizer, training or restartNonce changed";
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
            boolean noPods = pods.isEmpty();
            deletePods(pods.values(), "suspend");
            boolean quotaHeld = KueueWorkload.queueName(job) != null && deactivateWorkload(noPods);
            condition(JobConditions.SUSPENDED, true, "Suspended", "spec.runPolicy.suspend is true; "
                    + "workers removed, progress kept in checkpoints");
            condition(JobConditions.RUNNING, false, "Suspended", "");
            condition(JobConditions.PEERS_READY, false, "Suspended", "");
            status.phase = PHASE_SUSPENDED;
            TopologyPlan plan = plan();
            reconcileDependents(plan);
            pods.clear();
            report(plan);
            // The Workload is not watched: re-read it until Kueue has evicted it and its admission is cleared.
            return quotaHeld ? writeStatus().rescheduleAfter(shorter(ADMISSION_POLL, progressInterval)) : writeStatus();
        }

        /**
         * Acts on each newly lost rank by the failure policy; returns a control when the job ends or restarts. Lost:
         * its pod Failed (a crash, or the kubelet evicting it), or deleted by someone other than the operator (a
         * user's delete, an eviction through the API, a drain) whether still terminating or already gone. All losses
         * of the pass are found first: a diverged rank among them decides, whichever rank the others are
         * ({@link WorkerLoss#actionOrder}); a worker that exited 1 is left for {@link WorkerLoss#SETTLE}, in case a
         * diverged rank beside it has not been reported yet.
         */
        UpdateControl<DecentralizedGANJob> handleFailedWorkers() {
            Map<Integer, WorkerLoss> losses = new TreeMap<>();
            for (int rank = 0; rank < spec.workers; rank++) {
                WorkerState worker = workerState(rank);
                var detected = WorkerLoss.detect(pods.get(rank), worker, uid -> deletedByUs(worker, uid));
                if (detected.isEmpty()) continue;
                WorkerLoss loss = detected.get();
                if (loss.uid() != null && failuresHandled.contains(loss.uid())) continue;
                losses.put(rank, loss);
            }
            for (int rank : WorkerLoss.actionOrder(losses)) {
                WorkerLoss loss = losses.get(rank);
                var settling = loss.settling(now);
                if (settling.isPresent()) {
                    settlingFor = settlingFor == null || settling.get().compareTo(settlingFor) < 0 ? settling.get()
                            : settlingFor;
                    continue;
                }
                if (loss.uid() != null && !failuresHandled.add(loss.uid())) continue;
                WorkerState worker = workerState(rank);
                worker.handledFailureUid = loss.uid();
                worker.podUid = null;
                worker.lastExitCode = loss.exitCode();
                metrics.workerLost(loss.cause());
                UpdateControl<DecentralizedGANJob> terminal = onWorkerLost(rank, pods.get(rank), loss.what(),
                        loss.exitCode());
                if (terminal != null || pods.isEmpty()) return terminal;
            }
            return null;
        }

        /** The shortest wait of a worker loss left to settle (null: none), for the next look at the job. */
        Duration settlingFor;

        boolean deletedByUs(WorkerState worker, String uid) {
            return uid.equals(worker.deletedUid) || ourDeletions.contains(uid);
        }

        /** The failure policy for one lost rank ({@code pod} null when it is already gone). */
        UpdateControl<DecentralizedGANJob> onWorkerLost(int rank, Pod pod, String what, Integer exitCode) {
            FailurePolicy policy = spec.failurePolicy;
            WorkerState worker = workerState(rank);
            List<Pod> doomed = pod == null ? List.of() : List.of(pod);
            FailureResponse response = FailureResponse.decide(policy, status.restarts, spec.workers,
                    new TreeSet<>(status.topology.excludedRanks), rank, what, exitCode, followsTopologyLive(),
                    spec.topology.type + " / " + algorithm(), excluded -> planner.plan(spec.topology.type,
                            spec.workers, spec.topology.gossipRounds, spec.topology.seed, epoch() + 1, excluded).connected(),
                    memberLeft(rank));
            if (response.kind() == FailureResponse.Kind.FAIL) return fail(response.reason(), response.message());
            status.restarts++;
            worker.restarts = worker.restarts == null ? 1 : worker.restarts + 1;
            String action = policy.onWorkerFailure;
            switch (response.kind()) {
                case RESTART_JOB -> {
                    restartJob(response.message());
                    if (response.counted()) metrics.workerReplaced(FailurePolicy.RESTART_JOB);
                }
                case REWIRE -> {
                    status.topology.excludedRanks = new ArrayList<>(response.excluded());
                    status.topology.epoch = epoch() + 1;
                    deletePods(doomed, "replace");
                    pods.remove(rank);
                    metrics.workerReplaced(action);
                    events.warning(job, "WorkerFailed", response.message()
                            + "; rewired the survivors to topology epoch " + epoch() + " and replacing it");
                    condition(JobConditions.DEGRADED, true, "WorkerReplaced", "ranks " + response.excluded()
                            + " cut out of the graph while they are replaced");
                }
                default -> {
                    // The graph keeps rank r, but its new pod is a new process: a new epoch whose memberSince names
                    // it tells the survivors (blocked on the dead rank) to fold it out until it has warm-started
                    // from its neighbours, and tells the replacement to join rather than start from scratch.
                    status.topology.epoch = epoch() + 1;
                    if (status.topology.memberSince == null) status.topology.memberSince = new java.util.TreeMap<>();
                    status.topology.memberSince.put(Integer.toString(rank), epoch());
                    deletePods(doomed, "replace");
                    pods.remove(rank);
                    metrics.workerReplaced(action);
                    events.warning(job, "WorkerFailed", response.message()
                            + "; replacing that rank only (topology epoch " + epoch() + ": it rejoins warm-started)");
                    condition(JobConditions.DEGRADED, true, "WorkerReplaced", "rank " + rank + " is being replaced");
                }
            }
            return null;
        }

        /**
         * Whether a rank other than {@code lost} runs as a member now: its pod ready and not being deleted, the rank
         * not cut out of the graph. A replacement whose pod is not ready yet is not one (it waits for a welcome
         * itself); one that is ready counts, although its welcome may still be a sync point away.
         */
        boolean memberLeft(int lost) {
            for (int rank = 0; rank < spec.workers; rank++) {
                if (rank == lost || status.topology.excludedRanks.contains(rank)) continue;
                Pod pod = pods.get(rank);
                if (pod != null && !deleting(pod) && ready(pod)) return true;
            }
            return false;
        }

        /**
         * A worker Pending longer than spec.runPolicy.startTimeoutSeconds (unschedulable, image not pulled, a GPU
         * not granted) fails the job, naming the pod and the reason Kubernetes gives: the other ranks would hold
         * their GPUs waiting for it forever.
         */
        UpdateControl<DecentralizedGANJob> checkStartTimeout() {
            Long timeout = spec.runPolicy == null ? null : spec.runPolicy.startTimeoutSeconds;
            if (timeout == null) return null;
            return WorkerLoss.startTimedOut(pods, spec.workers, rank -> workerState(rank).podCreatedAt, now,
                    Duration.ofSeconds(timeout)).map(message -> fail(JobConditions.WORKER_START_TIMEOUT, message)).orElse(null);
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

        /**
         * Every rank's pod Succeeded. Not a pod being deleted or one this operator deleted: after a rerun the cache may
         * still hold the pods of the run before it, all Succeeded, until their deletions arrive.
         */
        boolean allSucceeded() {
            if (pods.isEmpty()) return false;
            for (int rank = 0; rank < spec.workers; rank++) {
                Pod pod = pods.get(rank);
                if (pod == null || !"Succeeded".equals(phaseOf(pod)) || deleting(pod)) return false;
                String uid = pod.getMetadata().getUid();
                if (uid != null && deletedByUs(workerState(rank), uid)) return false;
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
            // Every rank exited 0 after the last iteration: the final step is known although no worker is left to
            // sample (the last sample was taken while they ran).
            if (status.progress == null) status.progress = new io.dgan.operator.crd.ProgressStatus();
            long last = spec.training.iterations;
            status.progress.minStep = last;
            status.progress.medianStep = last;
            status.progress.maxStep = last;
            status.progress.etaSeconds = 0L;
            status.progress.stale = null;
            cleanPods();
            report(plan());
            UpdateControl<DecentralizedGANJob> control = writeStatus()
                    .rescheduleAfter(shorter(ttlRemaining(), progressInterval));
            workloadFinished();
            return control;
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
            UpdateControl<DecentralizedGANJob> control = writeStatus()
                    .rescheduleAfter(shorter(ttlRemaining(), progressInterval));
            workloadFinished();
            return control;
        }

        UpdateControl<DecentralizedGANJob> finished() {
            renewal.forget(job);
            cleanPods();
            if (!workloadFinished()) {
                return UpdateControl.<DecentralizedGANJob>noUpdate().rescheduleAfter(shorter(ADMISSION_POLL,
                        progressInterval));
            }
            Long ttl = spec.runPolicy == null ? null : spec.runPolicy.ttlSecondsAfterFinished;
            if (ttl == null || status.completionTime == null) return UpdateControl.noUpdate();
            Duration left = ttlRemaining();
            if (left.isZero()) {
                events.normal(job, "TTLExpired", "deleting the job " + ttl + "s after it finished");
                LOG.info("job={} ttl expired, deleting", key());
                context.getClient().resource(job).delete();
                statusWriter.forget(job);
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
            io.fabric8.kubernetes.api.model.Secret authority = null;
            boolean certManager = gossipIssuer() == GossipCertificateIssuer.CERT_MANAGER;
            Boolean certManagerServed = null; // whether cert-manager's API took the job's objects (null: not tried)
            List<Integer> awaiting = new ArrayList<>();
            int unfilledInARow = 0;
            for (int rank = 0; rank < spec.workers; rank++) {
                if (pods.containsKey(rank)) continue;
                Pod desired = WorkerPod.desired(job, rank);
                if (admission != null) KueueAdmission.place(desired, placement());
                if (spec.training.checkpointVolume != null) actions.ensure(WorkerPod.checkpointClaim(job, rank), job);
                // mTLS between workers: the pod mounts its rank's certificate, issued by the job's own CA.
                if (certManager) {
                    if (certManagerServed == null) certManagerServed = certManagerActions.ensureAuthority(job);
                    if (certManagerServed) {
                        certManagerServed = certManagerActions.ensureRank(job, rank, policy.gossipCertificateValidity());
                    }
                    // A pod without its Secret would only wait in ContainerCreating: create it once cert-manager
                    // has issued (looked at again within CERTIFICATE_POLL). Past LOOK_AHEAD unfilled Secrets in a
                    // row the rest wait for a later pass unread: a large job costs a bounded number of reads a pass.
                    if (!certManagerServed || unfilledInARow >= CertManagerActions.LOOK_AHEAD
                            || !certManagerActions.issued(job, rank)) {
                        if (certManagerServed) unfilledInARow++;
                        awaiting.add(rank);
                        continue;
                    }
                    unfilledInARow = 0;
                } else {
                    if (authority == null) authority = actions.gossipAuthority(job);
                    actions.ensureGossipCertificate(job, authority, rank, policy.gossipCertificateValidity());
                }
                if (actions.create(desired)) {
                    workerState(rank).podCreatedAt = now.toString();
                    LOG.debug("job={} created pod={}", key(), desired.getMetadata().getName());
                }
            }
            if (certManager) reportCertificates(awaiting, !Boolean.FALSE.equals(certManagerServed));
        }

        /** Ranks whose pods wait for cert-manager's certificates (empty: none, or not a cert-manager job). */
        List<Integer> awaitingCertificates = List.of();

        /** The CertificatesIssued condition of a job whose certificates cert-manager issues. */
        void reportCertificates(List<Integer> awaiting, boolean served) {
            awaitingCertificates = awaiting;
            if (awaiting.isEmpty()) {
                condition(JobConditions.CERTIFICATES_ISSUED, true, "Issued",
                        "cert-manager issued the gossip certificate of every rank");
                return;
            }
            String why = served
                    ? "cert-manager has not issued the gossip certificates of ranks " + awaiting + " yet; rank "
                    + awaiting.get(0) + "'s Certificate: " + certManagerActions.pendingReason(job, awaiting.get(0))
                    : "cert-manager's API (cert-manager.io/v1 Certificates and Issuers) is not served: install "
                    + "cert-manager, or set the operator's GOSSIP_CERTIFICATE_ISSUER to operator for new jobs";
            condition(JobConditions.CERTIFICATES_ISSUED, false, served ? "Issuing" : "CertManagerNotInstalled", why);
            LOG.debug("job={} {}", key(), why);
        }

        /** Who issues this job's gossip certificates; a job first applied before the choice existed: the operator. */
        GossipCertificateIssuer gossipIssuer() {
            if (status.gossipCertificateIssuer == null) {
                status.gossipCertificateIssuer = GossipCertificateIssuer.OPERATOR.value();
            }
            return GossipCertificateIssuer.of("status.gossipCertificateIssuer", status.gossipCertificateIssuer);
        }

        /** When the next gossip certificate of this job falls due for renewal (null: not looked at). */
        Instant certificatesDue;

        /** Renews the gossip certificates that have a third of their validity left (see GossipCertificateRenewal). */
        void renewCertificates() {
            if (gossipIssuer() == GossipCertificateIssuer.CERT_MANAGER) return; // cert-manager renews them (renewBefore)
            if (firstPass) {
                // Nothing to read: the certificates this pass issues are due a third before their validity ends.
                certificatesDue = renewal.issuingNow(job);
                return;
            }
            GossipCertificateRenewal.Outcome outcome = renewal.renewDue(context.getClient(), job, spec.workers, actions);
            certificatesDue = outcome.nextDue();
            if (!outcome.renewed().isEmpty()) {
                events.normal(job, "CertificatesRenewed", "gossip certificates of ranks " + outcome.renewed()
                        + " renewed (valid " + GossipCertificateRenewal.describe(policy.gossipCertificateValidity())
                        + "); the workers use them from their next connection");
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
                status.phase = PhaseRules.phase(spec.workers, ready, finished, !t.excludedRanks.isEmpty(),
                        JobConditions.isTrue(status, JobConditions.RESTARTING), status.runningTime != null);
                if (PHASE_RUNNING.equals(status.phase)) {
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
                } else if (PHASE_DEGRADED.equals(status.phase)) {
                    condition(JobConditions.DEGRADED, true, t.excludedRanks.isEmpty() ? "WorkersNotReady"
                            : "WorkerReplaced", ready + "/" + spec.workers + " workers ready"
                            + (t.excludedRanks.isEmpty() ? "" : ", ranks " + t.excludedRanks + " cut out"));
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
                // Every rank whose worker ended, not only the one a failure was acted on: after a divergence its
                // neighbours' exits (3, or 1 from an older worker) show beside it.
                Integer exitCode = pod == null ? null : WorkerPods.exitCode(pod);
                if (exitCode != null && ("Failed".equals(phaseOf(pod)) || "Succeeded".equals(phaseOf(pod)))) {
                    w.lastExitCode = exitCode;
                }
                out.add(w);
            }
            return out;
        }

        // ---- gang admission through Kueue ---------------------------------------------------------------------

        /**
         * The job's Workload, created on first sight and replaced when the job no longer matches it (its pod set is
         * immutable to Kueue: a scale or a resource change queues the job anew), and what its status says.
         */
        KueueAdmission admission() {
            String ns = job.getMetadata().getNamespace();
            GenericKubernetesResource desired = KueueWorkload.desired(job);
            GenericKubernetesResource existing = kueue.workload(ns, desired.getMetadata().getName());
            if (existing != null && existing.getMetadata().getDeletionTimestamp() != null) {
                return new KueueAdmission(KueueAdmission.State.QUEUED, "QueuedForAdmission",
                        "waiting for the previous Workload " + existing.getMetadata().getName() + " to be deleted",
                        null, Map.of());
            }
            if (existing != null && !KueueWorkload.matches(existing, desired)) {
                LOG.info("job={} workload={} replaced: pod set or queue changed", key(), existing.getMetadata().getName());
                events.normal(job, "WorkloadReplaced", "Workload " + existing.getMetadata().getName()
                        + " no longer matches the job (workers, resources or queue changed); queued anew");
                kueue.delete(existing);
                return new KueueAdmission(KueueAdmission.State.QUEUED, "QueuedForAdmission",
                        "the job changed; its Workload is replaced", null, Map.of());
            }
            if (existing != null && KueueWorkload.deactivatedBySuspend(existing)) {
                kueue.setActive(existing, true); // resumed: Kueue requeues the Workload (Reactivated)
                events.normal(job, "WorkloadReactivated", "Workload " + existing.getMetadata().getName()
                        + " active again: the job is queued for admission");
                existing = kueue.workload(ns, desired.getMetadata().getName());
                if (existing == null) return KueueAdmission.of(desired);
            }
            if (existing == null) {
                existing = kueue.create(desired);
                events.normal(job, "WorkloadCreated", "Workload " + desired.getMetadata().getName() + " for "
                        + spec.workers + " workers queued in LocalQueue " + KueueWorkload.queueName(job));
            }
            workload = existing;
            return KueueAdmission.of(existing);
        }

        /**
         * Not admitted (queued, evicted, or a replaced Workload): no pod may exist, so that a gang never runs in
         * part. After an eviction, once the last pod is gone, the Workload's admission is cleared so that Kueue
         * requeues it. The job shows phase Suspended, {@code Admitted=False} and {@code Suspended=True} with Kueue's
         * reason.
         */
        UpdateControl<DecentralizedGANJob> notAdmitted(KueueAdmission a) {
            boolean noPods = pods.isEmpty();
            deletePods(pods.values(), "not admitted by Kueue (" + a.reason() + ")");
            if (a.state() == KueueAdmission.State.EVICTED) {
                if (JobConditions.isTrue(status, JobConditions.ADMITTED)) {
                    events.warning(job, "Evicted", "Kueue evicted the Workload (" + a.reason() + "): " + a.message()
                            + "; workers removed, the job is queued again and resumes from its checkpoints");
                }
                if (noPods && workload != null) {
                    GenericKubernetesResource cleared = KueueAdmission.clearedAdmission(workload, now);
                    if (cleared != null) kueue.updateStatus(cleared);
                }
            }
            String reason = a.state() == KueueAdmission.State.EVICTED ? "Evicted" : a.reason();
            condition(JobConditions.ADMITTED, false, reason, a.message());
            condition(JobConditions.SUSPENDED, true, reason, "waiting for Kueue to admit all " + spec.workers
                    + " workers at once: " + a.message());
            condition(JobConditions.RUNNING, false, reason, "");
            condition(JobConditions.PEERS_READY, false, reason, "");
            status.phase = PHASE_SUSPENDED;
            TopologyPlan plan = plan();
            reconcileDependents(plan);
            pods.clear();
            report(plan);
            return writeStatus().rescheduleAfter(shorter(ADMISSION_POLL, progressInterval));
        }

        /**
         * {@code runPolicy.suspend} on a queued job gives its quota back: the Workload is deactivated
         * ({@code spec.active: false}, marked as done by the suspension so that resuming reactivates it and a
         * Workload someone else deactivated stays so), Kueue evicts it, and once no pod is left its admission is
         * cleared as after any eviction. Returns whether the Workload still holds quota (to be checked again).
         */
        boolean deactivateWorkload(boolean noPods) {
            GenericKubernetesResource wl = kueue.workload(job.getMetadata().getNamespace(),
                    KueueWorkload.name(job.getMetadata().getName()));
            if (wl == null) return false; // created when the job is resumed
            boolean held = KueueAdmission.hasQuotaReservation(wl);
            if (KueueWorkload.active(wl)) {
                kueue.setActive(wl, false);
                events.normal(job, "WorkloadDeactivated", "Workload " + wl.getMetadata().getName()
                        + " deactivated while spec.runPolicy.suspend is true: its quota is given back");
            } else if (noPods && KueueAdmission.of(wl).state() == KueueAdmission.State.EVICTED) {
                GenericKubernetesResource cleared = KueueAdmission.clearedAdmission(wl, now);
                if (cleared != null) {
                    kueue.updateStatus(cleared);
                    held = false;
                }
            }
            condition(JobConditions.ADMITTED, false, "Suspended", "Workload " + wl.getMetadata().getName()
                    + " deactivated while spec.runPolicy.suspend is true");
            return held;
        }

        private KueueAdmission.Placement placement;

        /** Node labels and tolerations of the admitted flavors (read once per pass, only when a pod is created). */
        KueueAdmission.Placement placement() {
            if (placement == null) {
                placement = KueueAdmission.flavorPlacement(kueue.flavors(admission.flavorNames()), workload,
                        KueueWorkload.POD_SET);
            }
            return placement;
        }

        /**
         * Marks the finished job's Workload Finished (Kueue then frees its quota for the next job in the queue).
         * Returns false when that write failed and should be retried; a job without a queue has nothing to do.
         */
        boolean workloadFinished() {
            if (KueueWorkload.queueName(job) == null) return true;
            try {
                GenericKubernetesResource wl = kueue.workload(job.getMetadata().getNamespace(),
                        KueueWorkload.name(job.getMetadata().getName()));
                if (wl == null) return true;
                boolean succeeded = PHASE_SUCCEEDED.equals(status.phase);
                GenericKubernetesResource done = KueueAdmission.finished(wl, succeeded,
                        succeeded ? "the job succeeded" : "the job failed: " + status.message, now);
                if (done == null) return true;
                kueue.updateStatus(done);
                events.normal(job, "WorkloadFinished", "Workload " + wl.getMetadata().getName()
                        + " marked Finished; its quota is released");
                return true;
            } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
                LOG.warn("job={} workload not marked Finished yet: {}", key(), e.getMessage());
                return false;
            }
        }

        // ---- utilities -----------------------------------------------------------------------------------------

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

        /** Writes the status now ({@link StatusWriter}); the pass then returns noUpdate. */
        UpdateControl<DecentralizedGANJob> writeStatus() {
            statusWriter.write(context.getClient(), job, status);
            return UpdateControl.noUpdate();
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
                actions.delete(pod);
            }
        }

        Duration nextCheck() {
            Duration next = progressInterval;
            if (settlingFor != null && settlingFor.compareTo(next) < 0) next = settlingFor;
            if (!awaitingCertificates.isEmpty() && CERTIFICATE_POLL.compareTo(next) < 0) next = CERTIFICATE_POLL;
            if (certificatesDue != null) {
                Duration untilDue = Duration.between(now, certificatesDue);
                if (untilDue.compareTo(next) < 0) next = untilDue.isNegative() ? Duration.ofMillis(1) : untilDue;
            }
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

    /** Timers are re-checked at least every progress interval: they are computed from timestamps, so a late
     * check costs nothing, and the clock may jump (tests) or the operator may have been down. */
    static Duration shorter(Duration a, Duration b) {
        return a.compareTo(b) < 0 ? a : b;
    }

    static double round(double x) {
        return Math.round(x * 1e6) / 1e6;
    }
}
