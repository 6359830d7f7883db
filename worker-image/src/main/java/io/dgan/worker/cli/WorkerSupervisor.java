package io.dgan.worker.cli;

import io.dgan.optimizer.Algorithm;
import io.dgan.optimizer.SecondMoment;
import io.dgan.topology.MixingSchedule;
import io.dgan.topology.Topologies;
import io.dgan.topology.TopologySpec;
import io.dgan.training.TrainConfig;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What {@code dgan train --restart-failed} adds to local multi-process mode: the launcher plays the operator's part
 * for a worker process that dies. The workers follow a topology file of the run ({@code <run dir>/topology.json},
 * the configured graph as epoch 1); when a worker dies mid-run, the supervisor publishes the next epoch with
 * {@code memberSince[rank]} set to it (the graph unchanged, as the operator's {@code Replace} does) and the launcher
 * starts a new process for that rank. The survivors fold the rank out while they wait for it, agree on the new
 * epoch at their next sync point and hand the new process their state; it trains on from there
 * (docs/worker-contract.md, "Switching epochs", rule 4).
 *
 * <p>A worker that dies before training started (before rank 0's first progress record: the ranks may still be
 * agreeing where to resume, which has no live topology) makes the launcher stop and restart every worker instead.
 * Restarts are bounded; none is made once a rank has finished (a new process would wait for a welcome that never
 * comes). Not thread-safe: called from the launcher's wait loop, except {@link #observe}.
 */
final class WorkerSupervisor {
    /** What the launcher does about a worker that exited with a non-zero code. */
    enum Decision { REPLACE, RESTART_ALL, GIVE_UP }

    /** Default bound of {@code --restart-failed} without a value. */
    static final int DEFAULT_RESTARTS = 3;

    private final int maxRestarts;
    private final Path file;
    private final String type;
    private final int workers;
    private final int gossipRounds;
    private final long seed;
    private final double[][] weights;
    private final long[] memberSince;
    private long epoch = 1;
    private int restarts;
    private volatile boolean started;
    private String reason = "";

    private WorkerSupervisor(int maxRestarts, Path file, String type, int workers, int gossipRounds, long seed,
                             double[][] weights) {
        this.maxRestarts = maxRestarts;
        this.file = file;
        this.type = type;
        this.workers = workers;
        this.gossipRounds = gossipRounds;
        this.seed = seed;
        this.weights = weights;
        this.memberSince = new long[workers];
    }

    /**
     * The supervisor of a run, or an IllegalArgumentException naming {@code --restart-failed} when the run's
     * graph cannot take a rank back live: a schedule (W redrawn every iteration) or cp-oadam (its gradient
     * all-reduce needs every rank at every iteration).
     */
    static WorkerSupervisor of(TrainConfig config, Path runDir, int maxRestarts) {
        if (maxRestarts < 0) {
            throw new IllegalArgumentException("--restart-failed: expected a number of restarts >= 0, got "
                    + maxRestarts);
        }
        Algorithm algorithm = Algorithm.fromCliName(config.algorithm());
        if (!algorithm.usesGossip() || algorithm == Algorithm.CP_OADAM) {
            throw new IllegalArgumentException("--restart-failed: " + algorithm.cliName() + " cannot take a rank "
                    + "back while it trains (no gossip graph to rejoin); use a gossip algorithm such as dp-oadam");
        }
        if (config.secondMoment().equals(SecondMoment.GLOBAL.cliName())) {
            throw new IllegalArgumentException("--restart-failed: --second-moment global all-reduces the gradient "
                    + "over every rank at every iteration, so a rank cannot rejoin while it trains; use local or "
                    + "neighbourhood");
        }
        if (config.workers() < 2) {
            throw new IllegalArgumentException("--restart-failed: needs at least 2 workers (a rank rejoins from "
                    + "its neighbours)");
        }
        MixingSchedule schedule = Topologies.create(TopologySpec.of(config.topology(), config.workers())
                .withSeed(config.seed()));
        if (schedule.period() != 1) {
            throw new IllegalArgumentException("--restart-failed: topology " + config.topology() + " redraws W "
                    + "every iteration, so a rank cannot rejoin it live; use a static graph (ring, torus, "
                    + "hypercube, exponential, complete)");
        }
        return new WorkerSupervisor(maxRestarts, runDir.resolve("topology.json"), config.topology(),
                config.workers(), config.gossipRounds(), config.seed(), schedule.at(1).toArray());
    }

    /** The topology file the workers follow ({@code --topology-file}). */
    Path topologyFile() {
        return file;
    }

    /** Writes the first epoch: the configured graph, every rank a member from the start. */
    void publishInitial() throws IOException {
        epoch = 1;
        java.util.Arrays.fill(memberSince, 0);
        publish();
    }

    /** A line of rank {@code rank}'s stderr: rank 0's first progress record means that training started. */
    void observe(int rank, String line) {
        if (rank == 0 && !started && line.startsWith("[it ")) {
            started = true;
        }
    }

    boolean started() {
        return started;
    }

    /**
     * Rank {@code rank} exited with {@code code}; {@code anyFinished}: some rank already exited 0. Returns what to
     * do, and counts a restart unless the answer is {@link Decision#GIVE_UP} ({@link #reason} then says why).
     * For {@link Decision#REPLACE} the epoch that takes a new process for the rank in is published before this
     * returns.
     */
    Decision onFailure(int rank, int code, boolean anyFinished) throws IOException {
        if (code == io.dgan.training.Diverged.EXIT_CODE) {
            // A process restarted with the same settings diverges again (a resume is exact).
            reason = "not restarted: the training diverged, and would again";
            return Decision.GIVE_UP;
        }
        if (restarts >= maxRestarts) {
            reason = maxRestarts == 0 ? "" : "no restart left (--restart-failed " + maxRestarts + ")";
            return Decision.GIVE_UP;
        }
        if (anyFinished) {
            reason = "not restarted: other ranks have already finished";
            return Decision.GIVE_UP;
        }
        restarts++;
        if (!started) {
            return Decision.RESTART_ALL;
        }
        epoch++;
        memberSince[rank] = epoch;
        publish();
        return Decision.REPLACE;
    }

    /** Why the last failure was not restarted ("" when restarts were not asked for). */
    String reason() {
        return reason;
    }

    int restarts() {
        return restarts;
    }

    int maxRestarts() {
        return maxRestarts;
    }

    long epoch() {
        return epoch;
    }

    /**
     * Adds {@code restarts} (worker processes restarted during the run) to the run's summary and to its
     * summary.json; says so in one line when there was any.
     */
    static Map<String, Object> recordRestarts(Path runDir, Map<String, Object> summary, int restarts,
                                              java.io.PrintWriter err) throws IOException {
        Map<String, Object> out = new LinkedHashMap<>(summary);
        out.put("restarts", restarts);
        Path file = runDir.resolve("summary.json");
        Path tmp = file.resolveSibling("summary.json.tmp");
        Files.writeString(tmp, JsonOutput.toJson(out));
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        if (restarts > 0) {
            err.printf("dgan train: the run completed with %d worker restart%s%n", restarts, restarts == 1 ? "" : "s");
            err.flush();
        }
        return out;
    }

    /** topology.json as the operator writes it, replaced whole in one atomic rename. */
    private void publish() throws IOException {
        Map<String, Object> topo = new LinkedHashMap<>();
        topo.put("epoch", epoch);
        topo.put("type", type);
        topo.put("workers", workers);
        topo.put("gossipRounds", gossipRounds);
        topo.put("seed", seed);
        topo.put("excludedRanks", List.of());
        topo.put("memberSince", java.util.Arrays.stream(memberSince).boxed().toList());
        topo.put("weights", weights);
        Files.createDirectories(file.getParent());
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(tmp, JsonOutput.toJson(topo));
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
}
