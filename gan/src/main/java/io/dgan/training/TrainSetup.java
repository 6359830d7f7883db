package io.dgan.training;

import io.dgan.data.Datasets;
import io.dgan.data.ImageDataset;
import io.dgan.data.SampleSource;
import io.dgan.data.Sharding;
import io.dgan.loss.AdversarialLoss;
import io.dgan.model.GanModel;
import io.dgan.model.GanModels;
import io.dgan.model.Shape;
import io.dgan.optimizer.Algorithm;
import io.dgan.optimizer.InitialDirection;
import io.dgan.optimizer.OptimizerConfig;
import io.dgan.optimizer.Optimizers;
import io.dgan.optimizer.SecondMoment;
import io.dgan.topology.MixingSchedule;
import io.dgan.topology.Topologies;
import io.dgan.topology.TopologySpec;
import io.dgan.transport.Transport;

import java.nio.file.Path;

/**
 * What every rank of a run derives from its {@link TrainConfig} alone: data source and shape, the training split,
 * sharding, loss, mixing schedule and optimizer configuration. The thread runner ({@link GanTrainer}) and the
 * one-rank-per-process runner ({@link GanWorker}) both build ranks through {@link #rank}, so a rank's initial point,
 * shard, noise and optimizer are the same numbers whichever runner (and transport) hosts it.
 */
public final class TrainSetup {
    final TrainConfig config;
    final Algorithm algorithm;
    final Datasets.Source source;
    final Shape shape;
    final ImageDataset trainSet;
    final Sharding.Spec shardSpec;
    final AdversarialLoss loss;
    final MixingSchedule schedule;
    final OptimizerConfig optimizerConfig;

    private TrainSetup(TrainConfig config, MixingSchedule givenSchedule, long epoch) {
        this.config = config;
        this.algorithm = Algorithm.fromCliName(config.algorithm());
        this.source = new Datasets.Source(config.dataset(), config.dataDir() == null ? null : Path.of(config.dataDir()));
        this.shape = Datasets.shapeOf(source);
        this.trainSet = source.isMixture() ? null : Datasets.load(source, true);
        this.shardSpec = Sharding.Spec.parse(config.shard());
        this.loss = AdversarialLoss.parse(config.loss());
        int m = config.workers();
        this.schedule = !(m > 1 && algorithm.usesGossip()) ? null : givenSchedule != null ? givenSchedule
                : Topologies.create(TopologySpec.of(config.topology(), m).withSeed(config.seed()));
        this.optimizerConfig = OptimizerConfig.builder(algorithm)
                .betas(config.beta1(), config.beta2())
                .learningRate(config.lrG())
                .learningRate("G", config.lrG()).learningRate("D", config.lrD())
                .gossipRounds(config.gossipRounds()).epoch(epoch)
                .averageMoments(config.averageMoments())
                .secondMoment(SecondMoment.fromCliName(config.secondMoment()))
                .initialDirection(config.initialDirection().equals("zero") ? InitialDirection.ZERO : InitialDirection.ORACLE)
                .build();
    }

    public static TrainSetup of(TrainConfig config) {
        return new TrainSetup(config, null, 0);
    }

    /**
     * With a mixing schedule given from outside (the operator's topology file: W as published, possibly re-weighted
     * after a failure) and its epoch, written into every message tag.
     */
    public static TrainSetup of(TrainConfig config, MixingSchedule schedule, long epoch) {
        return new TrainSetup(config, schedule, epoch);
    }

    public TrainConfig config() {
        return config;
    }

    public Algorithm algorithm() {
        return algorithm;
    }

    public OptimizerConfig optimizerConfig() {
        return optimizerConfig;
    }

    /** The mixing schedule (null when there is no gossip: one worker, or an algorithm without it). */
    public MixingSchedule schedule() {
        return schedule;
    }

    /** A fresh model at the run's initial point x_0 (the same on every rank: it depends on the seed only). */
    public GanModel newModel() {
        return GanModels.create(config.model(), shape, config.seed());
    }

    /** Builds rank {@code rank}: its model at x_0, its shard, its oracle and its optimizer over {@code transport}. */
    public RankLoop rank(int rank, Transport transport) {
        GanModel model = newModel();
        SampleSource shard = Datasets.shard(source, trainSet, shardSpec, config.workers(), rank, config.seed());
        GanOracle oracle = new GanOracle(model, loss, shard, config.batch(), config.seed(), rank);
        return new RankLoop(config, oracle, Optimizers.create(optimizerConfig, oracle, transport, schedule));
    }

    /** The default evaluator: mode coverage for mixtures, sample grids + FID/KID/IS for images. */
    public Evaluator defaultEvaluator(java.io.PrintStream log) {
        return source.isMixture()
                ? new MixtureEvaluator(Datasets.mixture(config.dataset()), config.evalSamples(), config.seed())
                : ImageEvaluator.create(source, config, log);
    }
}
