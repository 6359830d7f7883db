package io.dgan.worker.cli;

import io.dgan.games.Game;
import io.dgan.games.GameWorker;
import io.dgan.gossip.LiveTopology;
import io.dgan.games.RunResult;
import io.dgan.training.GanTrainer;
import io.dgan.training.GanWorker;
import io.dgan.training.TrainConfig;
import io.dgan.transport.InMemoryNetwork;
import io.dgan.transport.Transport;
import io.dgan.metrics.WorkerMetrics;
import io.dgan.optimizer.Algorithm;
import io.dgan.optimizer.OptimizerConfig;
import io.dgan.topology.MixingSchedule;
import io.dgan.transport.TransportException;
import io.dgan.transport.grpc.GrpcTransport;
import io.dgan.transport.grpc.GrpcTransportConfig;
import io.dgan.transport.grpc.LinkEmulation;
import io.dgan.transport.grpc.PeerDirectory;
import io.dgan.transport.grpc.TransportListener;
import io.dgan.transport.grpc.WireFormat;
import io.dgan.transport.grpc.tls.GossipTls;
import io.dgan.transport.ResumeAgreement;
import io.dgan.training.Checkpoints;
import io.dgan.training.Diverged;
import io.dgan.transport.PeerDivergedException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Unmatched;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.function.Consumer;

/**
 * {@code dgan worker}: runs ONE rank (docs/worker-contract.md). Builds the gRPC transport, waits for its neighbours,
 * then runs the optimizer on the configured oracle. GAN training when {@code --config} (a run's config.json) or
 * {@code dgan train} flags ({@code --model}, {@code --dataset}, ...) are given: the rank is built and trained
 * exactly as one thread of {@code dgan train --in-process} ({@link GanWorker}). Otherwise the oracle is a validation
 * game: every flag the worker does not know is a {@code dgan game} flag ({@code --game --dim --algorithm --topology
 * --lr --iterations --seed ...}), parsed and built exactly as {@code dgan game} does. Either way M workers reproduce
 * the in-process run bit for bit.
 */
@Command(name = "worker", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Run one rank of a job: serve gossip, wait for the neighbours, train.",
                "Each flag may come from the environment variable in brackets (flags win). GAN training with --config "
                        + "(a run's config.json) or 'dgan train' flags (--model, --dataset, ...); otherwise any other "
                        + "flag is a game flag (see 'dgan game --help')."})
public final class WorkerCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--rank", defaultValue = "${env:RANK}", description = "this worker's rank [RANK]")
    Integer rank;

    @Option(names = "--workers", defaultValue = "${env:WORLD_SIZE}", description = "number of workers M [WORLD_SIZE]")
    Integer workers;

    @Option(names = "--job", defaultValue = "${env:DGAN_JOB_NAME:-dgan}", description = "job name [DGAN_JOB_NAME]")
    String job;

    @Option(names = "--namespace", defaultValue = "${env:DGAN_NAMESPACE:-}", description = "namespace label [DGAN_NAMESPACE]")
    String namespace;

    @Option(names = "--peer-template", defaultValue = "${env:DGAN_PEER_TEMPLATE}",
            description = "peer address with {rank}, e.g. job-worker-{rank}.job-peers.ns.svc:7070 [DGAN_PEER_TEMPLATE]")
    String peerTemplate;

    @Option(names = "--peers", defaultValue = "${env:DGAN_PEERS}",
            description = "static comma-separated host:port list indexed by rank [DGAN_PEERS]")
    String peers;

    @Option(names = "--gossip-port", defaultValue = "${env:DGAN_GOSSIP_PORT:-7070}",
            description = "port to serve gossip on [DGAN_GOSSIP_PORT] (default 7070)")
    int gossipPort;

    @Option(names = "--metrics-port", defaultValue = "${env:DGAN_METRICS_PORT:-9090}",
            description = "Prometheus metrics port, 0 = off [DGAN_METRICS_PORT] (default 9090)")
    int metricsPort;

    @Option(names = "--bind", defaultValue = "${env:DGAN_BIND:-0.0.0.0}", description = "address to serve on (default 0.0.0.0)")
    String bind;

    @Option(names = "--topology-file", defaultValue = "${env:DGAN_TOPOLOGY_FILE}",
            description = "topology JSON (epoch, type, workers, gossipRounds, seed, weights) [DGAN_TOPOLOGY_FILE]; "
                    + "read at start, wins over --topology")
    Path topologyFile;

    @Option(names = "--config", defaultValue = "${env:DGAN_CONFIG_FILE}",
            description = "training configuration JSON: a run's config.json, as dgan train writes it [DGAN_CONFIG_FILE]")
    Path configFile;

    @Option(names = "--run-dir", defaultValue = "${env:DGAN_RUN_DIR}",
            description = "where final parameters (params-rank<r>.f32) and the summary go [DGAN_RUN_DIR]")
    Path runDir;

    @Option(names = "--checkpoint-dir", defaultValue = "${env:DGAN_CHECKPOINT_DIR}",
            description = "this rank's checkpoints (default <run dir>/checkpoints) [DGAN_CHECKPOINT_DIR]; the last "
                    + "3 are kept, and a GAN worker that finds any resumes from the newest iteration every rank has "
                    + "(not written by game runs)")
    Path checkpointDir;

    @Option(names = "--stop-grace", defaultValue = "${env:DGAN_STOP_GRACE_SECONDS:-20}",
            description = "seconds a GAN worker asked to stop (SIGTERM) waits for its checkpoint at the next sync "
                    + "point before exiting; keep it below the pod's terminationGracePeriodSeconds "
                    + "[DGAN_STOP_GRACE_SECONDS] (default ${DEFAULT-VALUE})")
    long stopGraceSeconds;

    @Option(names = "--tls-dir", defaultValue = "${env:DGAN_TLS_DIR}",
            description = "mutual TLS for gossip: a directory with ca.crt, tls.crt, tls.key (a mounted Kubernetes "
                    + "TLS Secret), re-read every 30 s: renewed files are used from the next TLS handshake, "
                    + "without a restart [DGAN_TLS_DIR]")
    Path tlsDir;

    @Option(names = "--tls-cert", defaultValue = "${env:DGAN_TLS_CERT}",
            description = "this rank's certificate (PEM; URI SAN dgan://<job>/rank/<rank>) [DGAN_TLS_CERT]")
    Path tlsCert;

    @Option(names = "--tls-key", defaultValue = "${env:DGAN_TLS_KEY}",
            description = "this rank's private key (PEM, PKCS#8) [DGAN_TLS_KEY]")
    Path tlsKey;

    @Option(names = "--tls-ca", defaultValue = "${env:DGAN_TLS_CA}",
            description = "the job's CA certificate (PEM) [DGAN_TLS_CA]")
    Path tlsCa;

    @Mixin
    TransportOptions gossip = new TransportOptions();

    @Mixin
    EmulationOptions emulation = new EmulationOptions();

    @Option(names = "--connect-timeout", defaultValue = "300",
            description = "seconds to wait for the neighbours to resolve and answer (default ${DEFAULT-VALUE})")
    long connectTimeoutSeconds;

    @Option(names = "--receive-timeout", defaultValue = "${env:DGAN_RECEIVE_TIMEOUT_SECONDS}",
            paramLabel = "<receiveTimeoutSeconds>",
            description = "seconds to wait for a neighbour's vector before the worker gives the neighbour up and "
                    + "exits 1 [DGAN_RECEIVE_TIMEOUT_SECONDS] (default 120 for a game; 1800 for a GAN worker, "
                    + "whose neighbours wait while rank 0 evaluates: set it above the longest evaluation)")
    Long receiveTimeoutOption;

    @Option(names = "--exit-with-parent", hidden = true,
            description = "exit when the launching process dies (local multi-process mode: no orphans)")
    boolean exitWithParent;

    @Option(names = "--json", description = "print one JSON summary on stdout at the end")
    boolean json;

    @Unmatched
    List<String> gameArgs = new ArrayList<>();

    @Override
    public Integer call() throws IOException {
        if (exitWithParent) {
            ProcessHandle.current().parent().ifPresent(parent -> parent.onExit().thenRun(() -> {
                System.err.println("[rank " + rank + "] launcher exited; stopping");
                Runtime.getRuntime().halt(3);
            }));
        }
        if (rank == null) {
            throw bad("--rank", "required (or set RANK)");
        }
        if (workers == null || workers < 1) {
            throw bad("--workers", "required, at least 1 (or set WORLD_SIZE)");
        }
        if (rank < 0 || rank >= workers) {
            throw bad("--rank", "expected 0.." + (workers - 1) + ", got " + rank);
        }
        if (receiveTimeoutOption != null && receiveTimeoutOption < 1) {
            throw bad("--receive-timeout", "expected a positive number of seconds (or set "
                    + "DGAN_RECEIVE_TIMEOUT_SECONDS), got " + receiveTimeoutOption);
        }
        PeerDirectory directory = peerDirectory();
        WireFormat wireFormat = gossip.wireFormat(spec.commandLine());
        LinkEmulation links = emulation.parse(spec.commandLine());

        if (configFile != null || gameArgs.stream().anyMatch(WorkerCommand::isTrainFlag)) {
            return runGan(directory, wireFormat, links);
        }
        // The oracle: a validation game configured by the remaining flags, built exactly as `dgan game` builds it.
        GameCommand game = new GameCommand();
        List<String> args = new ArrayList<>(gameArgs);
        args.add("--workers=" + workers);
        CommandLine gameCli = new CommandLine(game);
        try {
            gameCli.parseArgs(args.toArray(String[]::new));
        } catch (ParameterException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        game.spec = gameCli.getCommandSpec();
        Algorithm algorithm;
        String topologyName;
        MixingSchedule schedule;
        Game g;
        OptimizerConfig config;
        try {
            algorithm = game.parseAlgorithm();
            game.validate();
            topologyName = game.topology.name(algorithm);
            schedule = game.buildTopology(topologyName);
            g = game.buildGame();
            config = game.buildConfig(algorithm);
        } catch (ParameterException e) {
            // Reported as this command's error (one line on this command's stderr, exit 2).
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        long epoch = 0;
        Consumer<String> say = rankLog();
        TopologyWatcher watcher = null;
        int[] excluded = new int[0];
        if (topologyFile != null) {
            // The operator's topology (possibly re-weighted after a failure) wins over --topology.
            watcher = parse("--topology-file", () -> new TopologyWatcher(topologyFile, workers, say));
            TopologyFile topo = watcher.initial();
            epoch = topo.epoch();
            schedule = topo.schedule();
            topologyName = topo.type();
            excluded = topo.excludedRanks();
            config = config.toBuilder().epoch(epoch).gossipRounds(topo.gossipRounds()).build();
        }
        // Followed live unless there is nothing to follow (one worker) or a rank's loss must stop the job (an
        // all-reduce every iteration needs every rank).
        boolean followTopology = watcher != null && workers > 1 && !config.allReducesEveryIteration();
        List<String> playerNames = g.playerNames();
        float[][] initial = g.initialPoint();
        long[] lengths = java.util.Arrays.stream(initial).mapToLong(a -> a.length).toArray();

        GossipTls tls = gossipTls();
        WorkerMetrics metrics = new WorkerMetrics(namespace, job, rank, workers);
        int metricsBound = metricsPort > 0 ? metrics.serve(bind, metricsPort) : 0;
        metrics.topologyEpoch(epoch);
        GrpcTransportConfig transportConfig = GrpcTransportConfig.builder(job, rank, workers)
                .bindHost(bind).port(gossipPort)
                .layoutHash(layoutHash(g, lengths, gameArgs))
                .vectorLengths(lengths)
                .wire(wireFormat)
                .emulation(links)
                .tls(tls)
                .awaitReplacements(followTopology)
                .connectTimeout(Duration.ofSeconds(connectTimeoutSeconds))
                .receiveTimeout(Duration.ofSeconds(receiveTimeoutSeconds(GAME_RECEIVE_TIMEOUT_SECONDS)))
                .build();
        long started = System.nanoTime();
        try (metrics; GrpcTransport transport = workers > 1
                ? new GrpcTransport(transportConfig, directory, metrics, say)
                : null) {
            say.accept(String.format(Locale.ROOT, "job %s, %s on %s, %d workers, gossip port %d%s", job,
                    algorithm.cliName(), topologyName, workers, transport == null ? 0 : transport.port(),
                    metricsBound > 0 ? ", metrics port " + metricsBound : ""));
            boolean selfExcluded = java.util.Arrays.stream(excluded).anyMatch(r -> r == rank);
            if (transport != null && !selfExcluded) {
                List<Integer> neighbours = new ArrayList<>(neighbours(schedule, algorithm));
                for (int r : excluded) {
                    neighbours.remove(Integer.valueOf(r));
                }
                say.accept("waiting for ranks " + neighbours);
                transport.awaitPeers(neighbours);
            }
            // GameWorker: the optimizer loop plus metrics by collectives (x̄ and the consensus distance by
            // all-reduce every --every iterations), bit-identical to the in-process runner.
            Transport channel = transport != null ? transport : new InMemoryNetwork(1).transport(0);
            long iterations = game.options.iterations;
            long every = game.options.every;
            long reportEvery = Math.max(every, (iterations / 10 / every) * every);
            long loopStart = System.nanoTime();
            long[] counted = {0};
            GameWorker runner = new GameWorker(g, config, schedule, channel).every(every);
            long[] finalEpoch = {epoch};
            if (followTopology) {
                TopologyWatcher source = watcher;
                runner.live(opt -> new LiveTopology(channel, source, say).onEpoch(e -> {
                    metrics.topologyEpoch(e);
                    finalEpoch[0] = e;
                }));
            }
            // SIGTERM: neighbours blocked on this rank stop waiting for it now, not after their receive timeout.
            Thread goodbye = new Thread(() -> {
                if (transport != null) {
                    transport.leave(GrpcTransport.Departure.STOPPED);
                }
            }, "dgan-goodbye");
            Runtime.getRuntime().addShutdownHook(goodbye);
            RunResult result;
            try {
                result = runner.progress(p -> {
                    metrics.stepsCompleted(p.iteration() - counted[0]);
                    counted[0] = p.iteration();
                    metrics.consensusDistance(p.consensusDistance());
                    if (p.iteration() % reportEvery == 0 || p.iteration() == iterations) {
                        double seconds = (System.nanoTime() - loopStart) / 1e9;
                        say.accept(String.format(Locale.ROOT, "k=%d residual=%.4g consensus=%.4g (%.0f it/s)",
                                p.iteration(), p.residual(), p.consensusDistance(),
                                p.iteration() / Math.max(seconds, 1e-9)));
                    }
                }).run(iterations);
            } finally {
                try {
                    Runtime.getRuntime().removeShutdownHook(goodbye);
                } catch (IllegalStateException stopping) {
                    // the hook is running
                }
            }
            if (result.diverged()) {
                say.accept("diverged at iteration " + result.iterations() + "; stopped");
            }
            Path paramsFile = runDir == null ? null : writeParams(result.finalParameters()[0]);
            Map<String, Object> summary = new LinkedHashMap<>();
            summary.put("rank", rank);
            summary.put("workers", workers);
            summary.put("algorithm", algorithm.cliName());
            summary.put("topology", topologyName);
            summary.put("iterations", result.iterations());
            summary.put("finalResidual", Double.isFinite(result.finalResidual()) ? result.finalResidual() : null);
            summary.put("consensusDistance", result.last().consensusDistance());
            summary.put("topologyEpoch", finalEpoch[0]);
            summary.put("wallSeconds", (System.nanoTime() - started) / 1e9);
            List<Map<String, Object>> playerList = new ArrayList<>();
            for (int i = 0; i < playerNames.size(); i++) {
                playerList.add(Map.of("name", playerNames.get(i), "length", lengths[i]));
            }
            summary.put("players", playerList);
            summary.put("paramsFile", paramsFile == null ? null : paramsFile.toString());
            if (json) {
                PrintWriter out = spec.commandLine().getOut();
                out.println(JsonOutput.toJson(summary));
                out.flush();
            }
            say.accept("done");
            return 0;
        } catch (TransportException e) {
            return failed(say, 1, "failed: " + e.getMessage());
        }
    }

    /**
     * GAN training, one rank: the configuration comes from --config (a run's config.json, as `dgan train` writes
     * it) or from `dgan train` flags among the remaining ones (--model, --dataset, --batch, ...). The rank is built
     * and trained exactly as one thread of `dgan train --in-process` ({@link GanWorker}), over gRPC.
     */
    private Integer runGan(PeerDirectory directory, WireFormat wireFormat, LinkEmulation emulation)
            throws IOException {
        if (runDir == null) {
            throw bad("--run-dir", "required for GAN training (or set DGAN_RUN_DIR)");
        }
        TrainCommand flags = new TrainCommand();
        CommandLine trainCli = new CommandLine(flags);
        List<String> args = new ArrayList<>(gameArgs);
        if (configFile == null) {
            args.add("--workers=" + workers);
        }
        try {
            trainCli.parseArgs(args.toArray(String[]::new));
        } catch (ParameterException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        flags.spec = trainCli.getCommandSpec();
        TrainConfig config;
        try {
            if (configFile != null) {
                config = parse("--config", () -> JobConfigFile.read(configFile, workers));
            } else {
                config = flags.buildConfig();
            }
        } catch (ParameterException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        io.dgan.topology.MixingSchedule givenSchedule = null;
        long epoch = 0;
        Consumer<String> say = rankLog();
        TopologyWatcher watcher = null;
        int[] excluded = new int[0];
        boolean joining = false; // a replacement rank: it warm-starts from its neighbours, not from checkpoints
        if (topologyFile != null) {
            // The operator's topology (possibly re-weighted after a failure) wins over the configuration's.
            watcher = parse("--topology-file", () -> new TopologyWatcher(topologyFile, workers, say));
            TopologyFile topo = watcher.initial();
            givenSchedule = topo.schedule();
            epoch = topo.epoch();
            excluded = topo.excludedRanks();
            joining = topo.memberSince() != null && rank < topo.memberSince().length && topo.memberSince()[rank] > 0;
            config = config.withWorkers(workers, topo.type(), config.algorithm()).withGossipRounds(topo.gossipRounds());
        }
        java.io.PrintStream stdout = System.out;
        System.setOut(System.err); // ND4J's banner and other library output stay off stdout
        java.io.PrintStream log = new java.io.PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.err), true);
        long started = System.nanoTime();
        int threads;
        try {
            threads = nativeThreads(config.threadsPerWorker(), System.getenv(THREADS_ENV),
                    Runtime.getRuntime().availableProcessors());
        } catch (IllegalArgumentException e) {
            System.setOut(stdout);
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        GossipTls tls;
        try {
            tls = gossipTls();
        } catch (ParameterException e) {
            System.setOut(stdout);
            throw e;
        }
        WorkerMetrics metrics = new WorkerMetrics(namespace, job, rank, workers);
        try (metrics) {
            GanWorker gan = new GanWorker(config, givenSchedule, epoch, runDir, rank, flags.resume, log, threads)
                    .checkpointDir(checkpointDir != null ? checkpointDir : runDir.resolve("checkpoints"));
            int metricsBound = metricsPort > 0 ? metrics.serve(bind, metricsPort) : 0;
            metrics.topologyEpoch(epoch);
            Algorithm algorithm = gan.setup().algorithm();
            // Followed live unless there is nothing to follow (one worker) or a rank's loss must stop the job (an
            // all-reduce every iteration needs every rank).
            boolean followTopology = watcher != null && workers > 1
                    && !gan.setup().optimizerConfig().allReducesEveryIteration();
            GrpcTransportConfig transportConfig = GrpcTransportConfig.builder(job, rank, workers)
                    .bindHost(bind).port(gossipPort)
                    .layoutHash(gan.layoutHash())
                    .vectorLengths(gan.vectorLengths())
                    .wire(wireFormat)
                    .emulation(emulation)
                    .tls(tls)
                    .awaitReplacements(followTopology)
                    .connectTimeout(Duration.ofSeconds(connectTimeoutSeconds))
                    .receiveTimeout(Duration.ofSeconds(receiveTimeoutSeconds(GAN_RECEIVE_TIMEOUT_SECONDS)))
                    .build();
            try (GrpcTransport transport = workers > 1
                    ? new GrpcTransport(transportConfig, directory, metrics, say)
                    : null) {
                try {
                    say.accept(String.format(Locale.ROOT, "job %s, %s %s on %s (%s, %d workers), gossip port %d%s, "
                                    + "layout %016x, %d native thread%s%s; Java %d, mixing: %s",
                            job, config.model(), algorithm.cliName(), config.dataset(), config.topology(), workers,
                            transport == null ? 0 : transport.port(),
                            metricsBound > 0 ? ", metrics port " + metricsBound : "", gan.layoutHash(), gan.threads(),
                            gan.threads() == 1 ? "" : "s", config.preset() != null ? ", preset " + config.preset() : "",
                            Runtime.version().feature(), io.dgan.gossip.MixingKernel.bufferPath()));
                    int[] cutOut = excluded;
                    boolean selfExcluded = java.util.Arrays.stream(cutOut).anyMatch(r -> r == rank);
                    if (transport != null && !selfExcluded) {
                        List<Integer> neighbours = new ArrayList<>(neighbours(gan.setup().schedule(), algorithm));
                        for (int r : cutOut) {
                            neighbours.remove(Integer.valueOf(r));
                        }
                        transport.awaitPeers(neighbours);
                    }
                    Transport channel = transport != null ? transport : new InMemoryNetwork(1).transport(0);
                    long resumedAt = 0;
                    if (cutOut.length == 0 && !joining) {
                        // Every rank starts together: agree on where to resume (each rank may have its own checkpoint
                        // volume). A replacement joining a running job skips this: the survivors are mid-training and
                        // its state comes from its neighbours.
                        long[] mine = Checkpoints.iterations(gan.checkpointDirectory(), rank);
                        ResumeAgreement.Result agreed = ResumeAgreement.agree(channel, 0, mine);
                        if (agreed.problem() != null) {
                            return failed(say, 1, "cannot resume: " + agreed.problem());
                        }
                        if (agreed.iteration() >= 0) {
                            say.accept("resuming from iteration " + agreed.iteration() + ", the newest checkpoint "
                                    + "every rank has (" + gan.checkpointDirectory() + ")");
                            gan.resumeAt(agreed.iteration());
                            resumedAt = agreed.iteration();
                        } else if (flags.resume) {
                            return failed(say, 1, "cannot resume: no checkpoint in " + gan.checkpointDirectory()
                                    + " on any rank");
                        }
                    }
                    // The step counter appears only now, at the iteration training starts from: before the resume was
                    // agreed a progress read would see 0 and take a resumed job for one back at its start. A joining
                    // rank's counter appears with its first step, at the iteration its neighbours gave it.
                    if (cutOut.length == 0 && !joining) metrics.startsAt(resumedAt);
                    GanWorker.StopRequest stop = new GanWorker.StopRequest();
                    gan.stopRequest(stop);
                    Thread onTerm = new Thread(() -> {
                        stop.request();
                        try {
                            long k = stop.awaitCheckpoint(stopGraceSeconds * 1000);
                            say.accept(k >= 0 ? "asked to stop: checkpoint of iteration " + k + " written"
                                    : "asked to stop: no sync point reached (within " + stopGraceSeconds
                                    + " s), exiting without a new checkpoint");
                            if (transport != null) {
                                // Neighbours blocked on this rank stop waiting for it now, not after their timeout.
                                transport.leave(GrpcTransport.Departure.STOPPED);
                            }
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    }, "dgan-stop");
                    Runtime.getRuntime().addShutdownHook(onTerm);
                    if (followTopology) {
                        TopologyWatcher source = watcher;
                        gan.live(opt -> new LiveTopology(channel, source, say).onEpoch(metrics::topologyEpoch));
                    }
                    long[] counted = {resumedAt};
                    GanTrainer.Summary s;
                    try {
                        s = gan.progress(p -> {
                            metrics.stepsCompleted(p.iteration() - counted[0]);
                            counted[0] = p.iteration();
                            metrics.loss("G", p.lossG());
                            metrics.loss("D", p.lossD());
                            metrics.consensusDistance(p.consensus());
                            if (p.fid() != null) {
                                metrics.evalFid(p.fid());
                            }
                        }).runUntilStopped(channel, onTerm);
                    } finally {
                        stop.ended(); // a stop hook still waiting for a sync point returns at once
                    }
                    if (s == null) {
                        say.accept("stopped on request after writing its checkpoint");
                        if (transport != null) {
                            transport.leave(GrpcTransport.Departure.STOPPED);
                        }
                        return 143;
                    }
                    say.accept(String.format(Locale.ROOT, "done: %d iterations in %.1f s", s.iterations(),
                            (System.nanoTime() - started) / 1e9));
                    if (json) {
                        PrintWriter out = spec.commandLine().getOut();
                        out.println(JsonOutput.toJson(s));
                        out.flush();
                    }
                    return 0;
                } catch (Diverged | PeerDivergedException e) {
                    // Told to the neighbours before the transport closes: they stop as diverged too, at once.
                    return diverged(say, e, transport);
                }
            } catch (TransportException e) {
                return failed(say, 1, "failed: " + e.getMessage());
            }
        } catch (IOException | RuntimeException e) {
            TerminationMessage.write(DganCli.oneLine(e));
            throw e;
        } catch (Exception e) {
            return failed(say, 1, "failed: " + e);
        } finally {
            System.setOut(stdout);
        }
    }

    /** A flag only {@code dgan train} has: the worker trains a GAN rather than a game. */
    private static boolean isTrainFlag(String arg) {
        return arg.startsWith("--model") || arg.startsWith("--dataset") || arg.startsWith("--preset");
    }

    /** Set by the local launcher ({@code dgan train}): its M worker processes share the machine's cores. */
    static final String THREADS_ENV = "DGAN_THREADS_PER_WORKER";
    /** Receive timeouts when --receive-timeout and DGAN_RECEIVE_TIMEOUT_SECONDS are absent. */
    static final long GAME_RECEIVE_TIMEOUT_SECONDS = 120;
    static final long GAN_RECEIVE_TIMEOUT_SECONDS = 1800;

    /**
     * Native threads of a GAN worker, which runs alone in its process: the configuration's threadsPerWorker
     * (--threads-per-worker) if set; else {@value #THREADS_ENV} (the local launcher's share, cores / M); else every
     * core the process has (a pod: its CPU limit, as the JVM sees it). Not cores / M: one pod runs one worker.
     */
    static int nativeThreads(int configured, String fromEnvironment, int cores) {
        if (configured > 0) {
            return configured;
        }
        if (fromEnvironment != null && !fromEnvironment.isBlank()) {
            int n;
            try {
                n = Integer.parseInt(fromEnvironment.trim());
            } catch (NumberFormatException e) {
                n = 0;
            }
            if (n < 1) {
                throw new IllegalArgumentException(THREADS_ENV + ": expected a positive number of threads, got '"
                        + fromEnvironment + "'");
            }
            return n;
        }
        return Math.max(1, cores);
    }

    /**
     * --receive-timeout (or DGAN_RECEIVE_TIMEOUT_SECONDS) when given, else the mode's default: rank 0 evaluates
     * (FID, sample grids) while the others wait in their next gossip receive, so a GAN worker waits up to 30 minutes
     * rather than a game's 2.
     */
    private long receiveTimeoutSeconds(long modeDefault) {
        return receiveTimeoutOption != null ? receiveTimeoutOption : modeDefault;
    }

    /**
     * Ranks this worker exchanges with: its ring neighbours (all-reduce) and its graph neighbours for a static
     * topology, else everybody it may meet.
     */
    private List<Integer> neighbours(MixingSchedule schedule, Algorithm algorithm) {
        TreeSet<Integer> ranks = new TreeSet<>();
        // Ring all-reduce (cp-oadam's gradients, and the metrics' x̄): successor and predecessor.
        ranks.add((rank + 1) % workers);
        ranks.add((rank + workers - 1) % workers);
        if (algorithm == Algorithm.CP_OADAM) {
            // nothing else
        } else if (schedule.period() == 1) {
            for (int j : schedule.at(1).neighbours(rank)) {
                ranks.add(j);
            }
        } else {
            for (int j = 0; j < workers; j++) {
                ranks.add(j);
            }
        }
        ranks.remove(rank);
        return List.copyOf(ranks);
    }

    /** Peers must agree on the game and the parameter layout: hash the game's name, players and flags. */
    static long layoutHash(Game g, long[] lengths, List<String> gameArgs) {
        StringBuilder sb = new StringBuilder(g.name());
        for (int i = 0; i < lengths.length; i++) {
            sb.append('|').append(g.playerNames().get(i)).append(':').append(lengths[i]);
        }
        new TreeSet<>(gameArgs).forEach(a -> sb.append('|').append(a));
        long h = 1125899906842597L;
        for (int i = 0; i < sb.length(); i++) {
            h = 31 * h + sb.charAt(i);
        }
        return h;
    }

    /** Writes every player's parameters, in order, as little-endian float32, atomically. */
    private Path writeParams(float[][] players) throws IOException {
        Files.createDirectories(runDir);
        Path target = runDir.resolve("params-rank" + rank + ".f32");
        Path tmp = runDir.resolve("params-rank" + rank + ".f32.tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            for (float[] p : players) {
                ByteBuffer bytes = ByteBuffer.allocate(p.length * 4).order(ByteOrder.LITTLE_ENDIAN);
                bytes.asFloatBuffer().put(p);
                while (bytes.hasRemaining()) {
                    ch.write(bytes);
                }
            }
        }
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        return target;
    }

    /**
     * The gossip plane's credentials: --tls-dir, or --tls-cert/--tls-key/--tls-ca together (or their environment
     * variables). Without them a multi-worker job refuses to start unless --insecure-plaintext says otherwise, and
     * then it says so at start. One worker has no gossip plane.
     */
    private GossipTls gossipTls() {
        boolean files = tlsCert != null || tlsKey != null || tlsCa != null;
        if (tlsDir != null && files) {
            throw bad("--tls-dir", "give either --tls-dir or --tls-cert/--tls-key/--tls-ca, not both");
        }
        if (workers == 1) {
            return null;
        }
        if (tlsDir != null) {
            GossipTls tls = parse("--tls-dir", () -> GossipTls.fromDirectory(tlsDir));
            checkIdentity(tls);
            return tls;
        }
        if (files) {
            if (tlsCert == null || tlsKey == null || tlsCa == null) {
                throw bad(tlsCert == null ? "--tls-cert" : tlsKey == null ? "--tls-key" : "--tls-ca",
                        "required with the other two of --tls-cert, --tls-key, --tls-ca");
            }
            GossipTls tls = parse("--tls-cert", () -> GossipTls.fromFiles(tlsCert, tlsKey, tlsCa));
            checkIdentity(tls);
            return tls;
        }
        if (!gossip.insecurePlaintext) {
            throw bad("--tls-dir", "gossip needs mutual TLS: give --tls-dir (ca.crt, tls.crt, tls.key) or "
                    + "--tls-cert/--tls-key/--tls-ca (or DGAN_TLS_DIR), or --insecure-plaintext to run without");
        }
        PrintWriter err = spec.commandLine().getErr();
        err.println("[rank " + rank + "] WARNING: gossip is plaintext (--insecure-plaintext): any process that "
                + "reaches port " + gossipPort + " can send vectors as any rank of job " + job);
        err.flush();
        return null;
    }

    private void checkIdentity(GossipTls tls) {
        String mismatch = tls.mismatch(job, rank);
        if (mismatch != null) {
            throw bad(tlsDir != null ? "--tls-dir" : "--tls-cert", mismatch);
        }
    }

    private PeerDirectory peerDirectory() {
        if (workers == 1) {
            return r -> "127.0.0.1:" + gossipPort;
        }
        if (peers != null && !peers.isBlank()) {
            return parse("--peers", () -> PeerDirectory.list(peers, workers));
        }
        if (peerTemplate != null && !peerTemplate.isBlank()) {
            return parse("--peer-template", () -> PeerDirectory.template(peerTemplate));
        }
        throw bad("--peers", "give --peers host:port,... or --peer-template (or DGAN_PEERS / DGAN_PEER_TEMPLATE) "
                + "for " + workers + " workers");
    }

    private <T> T parse(String flag, java.util.function.Supplier<T> parser) {
        return Flags.parse(spec.commandLine(), flag, parser);
    }

    private ParameterException bad(String flag, String message) {
        return Flags.bad(spec.commandLine(), flag, message);
    }

    /** One line per message on this command's stderr, prefixed with the rank (lines of concurrent threads kept whole). */
    /** A failure of this worker: its one line, in the log and as the termination message; returns {@code code}. */
    private static int failed(Consumer<String> say, int code, String line) {
        say.accept(line);
        TerminationMessage.write(line);
        return code;
    }

    /**
     * This rank's training diverged, or a neighbour's did: says why, tells the neighbours (they stop at once with
     * the same exit code; under a live topology they wait for the operator's decision), exits {@value
     * Diverged#EXIT_CODE}. No failure policy restarts it: the same settings would diverge again.
     */
    private static int diverged(Consumer<String> say, RuntimeException e, GrpcTransport transport) {
        String line = e instanceof PeerDivergedException peer
                ? "stopped: its neighbour rank " + peer.peer() + " diverged and will send nothing more; the run "
                + "cannot go on with these settings"
                : e.getMessage();
        failed(say, Diverged.EXIT_CODE, line);
        if (transport != null) {
            transport.leave(GrpcTransport.Departure.DIVERGED);
        }
        return Diverged.EXIT_CODE;
    }

    private Consumer<String> rankLog() {
        PrintWriter err = spec.commandLine().getErr();
        String prefix = "[rank " + rank + "] ";
        return msg -> {
            synchronized (err) {
                err.println(prefix + msg);
                err.flush();
            }
        };
    }
}
