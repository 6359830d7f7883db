package io.dgan.worker.cli;

import io.dgan.transport.grpc.FreePorts;
import io.dgan.transport.grpc.tls.GossipCertificates;

import io.dgan.games.CurvePoint;
import io.dgan.games.Game;
import io.dgan.games.RunResult;
import io.dgan.gossip.ConsensusDistance;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Local multi-process mode: starts M {@code dgan worker} JVMs on loopback ports (one rank each, real gRPC between
 * them), streams their progress to stderr, and stops all of them when one fails, when the launcher is interrupted
 * (Ctrl-C: a shutdown hook) or when it dies outright (each worker watches its parent). Returns the workers' final
 * parameters.
 */
public final class LocalWorkers {
    private final int workers;
    private final List<String> gameArgs;
    private final Path runDir;
    private final PrintWriter err;
    private final List<String> jvmOptions;
    private final List<Process> processes = new java.util.concurrent.CopyOnWriteArrayList<>();
    private java.util.Map<String, String> environment = java.util.Map.of();
    private boolean plaintext;
    private WorkerSupervisor supervisor;
    /** Ranks whose certificate of this launch's CA is written (a restarted process reuses it). */
    private final java.util.Set<Integer> issued = new java.util.HashSet<>();

    public LocalWorkers(int workers, List<String> gameArgs, Path runDir, PrintWriter err, List<String> jvmOptions) {
        this.workers = workers;
        this.gameArgs = List.copyOf(gameArgs);
        this.runDir = runDir;
        this.err = err;
        List<String> options = new ArrayList<>(jvmOptions);
        // The mixing kernel's vector path (JDK 25+) needs the incubator module: workers get it where this JVM has it.
        if (ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent()
                && !options.contains("--add-modules=jdk.incubator.vector")) {
            options.add("--add-modules=jdk.incubator.vector");
        }
        // JDK 24+ warns, in a block of lines per JVM, when JavaCPP (under ND4J) loads native code or uses
        // sun.misc.Unsafe; both are what it is for, so they are allowed outright (options JDK 17 would refuse).
        if (Runtime.version().feature() >= 24) {
            for (String allow : List.of("--enable-native-access=ALL-UNNAMED",
                    "--sun-misc-unsafe-memory-access=allow")) {
                if (!options.contains(allow)) {
                    options.add(allow);
                }
            }
        }
        this.jvmOptions = List.copyOf(options);
    }

    /** Extra environment variables of every worker (e.g. OMP_NUM_THREADS so M workers share the cores). */
    public LocalWorkers environment(java.util.Map<String, String> variables) {
        this.environment = java.util.Map.copyOf(variables);
        return this;
    }

    /**
     * Gossip without TLS ({@code --insecure-plaintext} on every worker). By default the launcher makes a CA for the
     * run and a certificate per rank (under {@code <run dir>/tls/rank-<r>/}, keys readable by the owner only); the
     * CA's private key is never written.
     */
    public LocalWorkers plaintext(boolean plaintext) {
        this.plaintext = plaintext;
        return this;
    }

    /** Runs the workers to completion; finalParameters[rank][player] in the game's player order. */
    public float[][][] run(int[] playerLengths) throws IOException, InterruptedException {
        runToCompletion();
        float[][][] params = new float[workers][][];
        for (int r = 0; r < workers; r++) {
            params[r] = readParams(runDir.resolve("params-rank" + r + ".f32"), playerLengths);
        }
        return params;
    }

    /**
     * Restarts a worker process that dies ({@code dgan train --restart-failed}): the workers follow the
     * supervisor's topology file, and a dead rank's new process rejoins warm-started from its neighbours.
     */
    LocalWorkers supervise(WorkerSupervisor supervisor) {
        this.supervisor = supervisor;
        return this;
    }

    /** Worker processes restarted so far (0 without a supervisor). */
    public int restarts() {
        return supervisor == null ? 0 : supervisor.restarts();
    }

    /**
     * Runs the workers to completion ({@link WorkersFailed} naming the rank when one fails and is not restarted).
     */
    public void runToCompletion() throws IOException, InterruptedException {
        Files.createDirectories(runDir);
        String job = "local-" + ProcessHandle.current().pid();
        GossipCertificates ca = plaintext || workers == 1 ? null : GossipCertificates.newAuthority(job);
        List<Process> processes = this.processes;
        List<Thread> pumps = new java.util.concurrent.CopyOnWriteArrayList<>();
        Thread stopAll = new Thread(() -> processes.forEach(LocalWorkers::stop), "dgan-stop-workers");
        Runtime.getRuntime().addShutdownHook(stopAll);
        try {
            if (supervisor != null) {
                supervisor.publishInitial();
            }
            int[] ports = startAll(job, ca, pumps);
            boolean[] finished = new boolean[workers];
            java.util.Set<Integer> restarted = new java.util.TreeSet<>();
            long othersDoneAt = 0;
            // Wait for all; the first failure stops the rest, unless the supervisor restarts the worker.
            while (true) {
                int running = 0;
                boolean anyFinished = false;
                for (int r = 0; r < workers; r++) {
                    Process p = processes.get(r);
                    if (p.isAlive()) {
                        running++;
                    } else if (p.exitValue() == 0) {
                        finished[r] = true;
                        anyFinished = true;
                    }
                }
                for (int r = 0; r < workers; r++) {
                    Process p = processes.get(r);
                    if (p.isAlive() || p.exitValue() == 0 || finished[r]) {
                        continue; // running, done, or a late restarted rank stopped on purpose
                    }
                    WorkerSupervisor.Decision decision = supervisor == null ? WorkerSupervisor.Decision.GIVE_UP
                            : supervisor.onFailure(r, p.exitValue(), anyFinished);
                    if (decision == WorkerSupervisor.Decision.REPLACE) {
                        say("worker rank " + r + " exited with code " + p.exitValue() + "; restarting it ("
                                + supervisor.restarts() + " of at most " + supervisor.maxRestarts() + "): it rejoins "
                                + "warm-started from its neighbours at topology epoch " + supervisor.epoch());
                        processes.set(r, start(r, job, ports, ca, pumps));
                        restarted.add(r);
                        running++;
                        continue;
                    }
                    if (decision == WorkerSupervisor.Decision.RESTART_ALL) {
                        say("worker rank " + r + " exited with code " + p.exitValue() + " before training started; "
                                + "restarting all workers (" + supervisor.restarts() + " of at most "
                                + supervisor.maxRestarts() + ")");
                        processes.forEach(LocalWorkers::stop);
                        joinAll(pumps);
                        pumps.clear();
                        processes.clear();
                        restarted.clear();
                        supervisor.publishInitial();
                        ports = startAll(job, ca, pumps);
                        java.util.Arrays.fill(finished, false);
                        running = workers;
                        break;
                    }
                    String why = supervisor == null || supervisor.reason().isEmpty() ? ""
                            : " (" + supervisor.reason() + ")";
                    processes.forEach(LocalWorkers::stop);
                    joinAll(pumps);
                    boolean diverged = p.exitValue() == io.dgan.training.Diverged.EXIT_CODE;
                    throw new WorkersFailed((diverged ? "the run diverged: " : "") + "worker rank " + r
                            + " exited with code " + p.exitValue() + why + "; stopped the other workers (see its "
                            + "messages above)", p.exitValue());
                }
                if (running == 0) {
                    break;
                }
                if (anyFinished && !restarted.isEmpty()) {
                    // A rank restarted after the survivors' last agreement is never welcomed: once a rank has
                    // finished, the restarted ones have a grace period, then they are stopped.
                    if (othersDoneAt == 0) {
                        othersDoneAt = System.nanoTime();
                    } else if (System.nanoTime() - othersDoneAt > TimeUnit.SECONDS.toNanos(LATE_GRACE_S)) {
                        for (int r : restarted) {
                            if (processes.get(r).isAlive()) {
                                say("worker rank " + r + " (restarted) had not finished " + LATE_GRACE_S + " s "
                                        + "after the first rank finished; stopped it: the others finished before "
                                        + "it could rejoin, its parameters are missing from the run");
                                stop(processes.get(r));
                                finished[r] = true;
                            }
                        }
                    }
                }
                waitAny(100);
            }
            joinAll(pumps);
        } finally {
            processes.forEach(LocalWorkers::stop);
            try {
                Runtime.getRuntime().removeShutdownHook(stopAll);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running: it stops the workers
            }
        }
    }

    /** Seconds a restarted rank may still run once every other rank has finished. */
    private static final long LATE_GRACE_S = 60;

    private void waitAny(long millis) throws InterruptedException {
        processes.get(0).waitFor(millis, TimeUnit.MILLISECONDS);
    }

    private void say(String line) {
        synchronized (err) {
            err.println("dgan train: " + line);
            err.flush();
        }
    }

    /** Picks loopback ports and starts one worker per rank; returns the ports. */
    private int[] startAll(String job, GossipCertificates ca, List<Thread> pumps) throws IOException {
        int[] ports = FreePorts.pick(workers);
        for (int r = 0; r < workers; r++) {
            processes.add(start(r, job, ports, ca, pumps));
        }
        return ports;
    }

    /** Starts the worker process of one rank (its certificate is issued once and reused by a restarted process). */
    private Process start(int r, String job, int[] ports, GossipCertificates ca, List<Thread> pumps)
            throws IOException {
        StringBuilder peers = new StringBuilder();
        for (int q = 0; q < workers; q++) {
            peers.append(q == 0 ? "" : ",").append("127.0.0.1:").append(ports[q]);
        }
        List<String> cmd = new ArrayList<>();
        cmd.add(io.dgan.bench.ChildJvm.java());
        cmd.addAll(jvmOptions);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), DganCli.class.getName(), "worker",
                "--rank", Integer.toString(r), "--workers", Integer.toString(workers), "--job", job,
                "--peers", peers.toString(), "--gossip-port", Integer.toString(ports[r]),
                "--bind", "127.0.0.1", "--metrics-port", "0", "--run-dir", runDir.toString(),
                "--connect-timeout", "120", "--exit-with-parent"));
        if (ca != null) {
            Path dir = runDir.resolve("tls").resolve("rank-" + r);
            if (issued.add(r)) {
                ca.issue(r, List.of("localhost")).writeTo(dir);
            }
            cmd.addAll(List.of("--tls-dir", dir.toString()));
        } else if (workers > 1) {
            cmd.add("--insecure-plaintext");
        }
        if (supervisor != null) {
            cmd.addAll(List.of("--topology-file", supervisor.topologyFile().toString()));
        }
        cmd.addAll(gameArgs);
        ProcessBuilder builder = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD);
        builder.environment().putAll(io.dgan.model.NativeBackend.processEnvironment());
        builder.environment().putAll(environment);
        Process p = builder.start();
        pumps.add(pump(p, r));
        return p;
    }

    /** The worker processes started so far, by rank. */
    List<ProcessHandle> processes() {
        return processes.stream().map(Process::toHandle).toList();
    }

    /** The curve of a multi-process run: its start and its end, measured like the in-process runner does. */
    public static RunResult result(Game game, long iterations, float[][][] finalParams, double wallSeconds) {
        float[][][] initial = new float[game.workers()][][];
        Arrays.fill(initial, game.initialPoint());
        return new RunResult(List.of(measure(game, initial, 0), measure(game, finalParams, iterations)), iterations,
                false, finalParams, wallSeconds);
    }

    private static CurvePoint measure(Game game, float[][][] params, long iteration) {
        List<List<FloatBuffer>> ranks = new ArrayList<>();
        for (float[][] rank : params) {
            ranks.add(Arrays.stream(rank).map(FloatBuffer::wrap).toList());
        }
        double[][] avg = ConsensusDistance.average(ranks);
        return new CurvePoint(iteration, game.residual(avg), ConsensusDistance.distance(ranks, avg),
                game.hasKnownSolution() ? game.error(avg) : Double.NaN);
    }

    /**
     * The line every JVM given the vector module prints at start. Workers get the module only when this JVM
     * has it, so this JVM printed the line already: once on the console, not once more per worker.
     */
    static final String INCUBATOR_WARNING = "WARNING: Using incubator modules: jdk.incubator.vector";

    /** Whether a line a worker wrote to stderr goes to the console (all but the repeated incubator warning). */
    static boolean shownOnConsole(String line) {
        return !line.equals(INCUBATOR_WARNING);
    }

    private Thread pump(Process p, int rank) {
        Thread t = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getErrorStream(),
                    StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                    if (supervisor != null) {
                        supervisor.observe(rank, line);
                    }
                    if (!shownOnConsole(line)) {
                        continue;
                    }
                    synchronized (err) {
                        err.println(line);
                        err.flush();
                    }
                }
            } catch (IOException ignored) {
                // the worker went away
            }
        }, "dgan-worker-log");
        t.setDaemon(true);
        t.start();
        return t;
    }

    private static void joinAll(List<Thread> threads) throws InterruptedException {
        for (Thread t : threads) {
            t.join(5000);
        }
    }

    /** SIGTERM, then SIGKILL after a grace period; the worker's gossip port is free once it has exited. */
    private static void stop(Process p) {
        if (!p.isAlive()) {
            return;
        }
        p.destroy();
        try {
            if (!p.waitFor(5, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    static float[][] readParams(Path file, int[] lengths) throws IOException {
        ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        int expected = Arrays.stream(lengths).sum() * 4;
        if (bytes.remaining() != expected) {
            throw new IOException(file + ": " + bytes.remaining() + " bytes, expected " + expected);
        }
        FloatBuffer floats = bytes.asFloatBuffer();
        float[][] out = new float[lengths.length][];
        for (int i = 0; i < lengths.length; i++) {
            out[i] = new float[lengths[i]];
            floats.get(out[i]);
        }
        return out;
    }

}
