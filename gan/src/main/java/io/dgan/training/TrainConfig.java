package io.dgan.training;

import io.dgan.data.Datasets;
import io.dgan.data.Sharding;
import io.dgan.loss.AdversarialLoss;
import io.dgan.model.GanModels;
import io.dgan.optimizer.Algorithm;
import io.dgan.optimizer.SecondMoment;
import io.dgan.topology.TopologyType;

/**
 * Everything that defines a training run (written to config.json; --resume refuses a run directory whose
 * config differs in anything but {@code iterations} and the reporting periods).
 *
 * @param lrG / lrD          learning rates of G and D (two time-scale updates allowed)
 * @param threadsPerWorker   ND4J/BLAS threads per op (0: cores / workers, at least 1)
 * @param logEvery           iterations between progress lines / metrics.jsonl records
 * @param evalEvery          iterations between evaluations of the network average (0: only at the end)
 * @param checkpointEvery    iterations between checkpoints (0: only at the end)
 * @param evalSamples        samples per evaluation (mode coverage: 2,500; FID/KID: e.g. 2,000)
 * @param classifierDir      folder of the Fashion-MNIST feature classifier (FID/KID/IS), null = default location
 * @param averageMoments     also gossip Adam's moments m and v (dp-oadam, rand-dp-oadam; default false; a
 *                           reconstructed choice, algorithm.md)
 * @param initialDirection   d_0 of the first optimistic half step: "oracle" (g_0 = ĝ(x_0), default) or "zero"
 *                           (reconstructed); null reads as "oracle" (config.json files written before the field)
 * @param preset             name of the {@link Preset} the unset settings came from (null: not recorded)
 * @param secondMoment       which gradient Adam's second moment is formed from: "local" (default),
 *                           "neighbourhood" (gossiped with the neighbours' like the parameters) or "global"
 *                           (all-reduced over every worker, a measurement); dp-oadam, rand-dp-oadam; null reads as
 *                           "local" (config.json files written before the field)
 */
public record TrainConfig(int workers, String topology, String algorithm, String model, String dataset, String dataDir,
                          String shard, String loss, int batch, long iterations, double lrG, double lrD,
                          double beta1, double beta2, int gossipRounds, long seed, int threadsPerWorker,
                          long logEvery, long evalEvery, long checkpointEvery, int evalSamples, String classifierDir,
                          boolean averageMoments, String initialDirection, String preset,
                          String secondMoment) {

    /** A configuration whose Adam second moment is local (the default). */
    public TrainConfig(int workers, String topology, String algorithm, String model, String dataset, String dataDir,
                       String shard, String loss, int batch, long iterations, double lrG, double lrD,
                       double beta1, double beta2, int gossipRounds, long seed, int threadsPerWorker,
                       long logEvery, long evalEvery, long checkpointEvery, int evalSamples, String classifierDir,
                       boolean averageMoments, String initialDirection, String preset) {
        this(workers, topology, algorithm, model, dataset, dataDir, shard, loss, batch, iterations, lrG, lrD, beta1,
                beta2, gossipRounds, seed, threadsPerWorker, logEvery, evalEvery, checkpointEvery, evalSamples,
                classifierDir, averageMoments, initialDirection, preset, "local");
    }

    /** Initial directions by name (--initial-direction). */
    public static final java.util.List<String> INITIAL_DIRECTIONS = java.util.List.of("oracle", "zero");

    /** A configuration that does not record its preset. */
    public TrainConfig(int workers, String topology, String algorithm, String model, String dataset, String dataDir,
                       String shard, String loss, int batch, long iterations, double lrG, double lrD,
                       double beta1, double beta2, int gossipRounds, long seed, int threadsPerWorker,
                       long logEvery, long evalEvery, long checkpointEvery, int evalSamples, String classifierDir,
                       boolean averageMoments, String initialDirection) {
        this(workers, topology, algorithm, model, dataset, dataDir, shard, loss, batch, iterations, lrG, lrD, beta1,
                beta2, gossipRounds, seed, threadsPerWorker, logEvery, evalEvery, checkpointEvery, evalSamples,
                classifierDir, averageMoments, initialDirection, null);
    }

    /** The reconstructed choices at their defaults (moments stay local, d_0 from the oracle). */
    public TrainConfig(int workers, String topology, String algorithm, String model, String dataset, String dataDir,
                       String shard, String loss, int batch, long iterations, double lrG, double lrD,
                       double beta1, double beta2, int gossipRounds, long seed, int threadsPerWorker,
                       long logEvery, long evalEvery, long checkpointEvery, int evalSamples, String classifierDir) {
        this(workers, topology, algorithm, model, dataset, dataDir, shard, loss, batch, iterations, lrG, lrD, beta1,
                beta2, gossipRounds, seed, threadsPerWorker, logEvery, evalEvery, checkpointEvery, evalSamples,
                classifierDir, false, "oracle");
    }

    public TrainConfig {
        if (initialDirection == null) {
            initialDirection = "oracle";
        }
        if (!INITIAL_DIRECTIONS.contains(initialDirection)) {
            throw new IllegalArgumentException("--initial-direction: expected one of " + INITIAL_DIRECTIONS + ", got '"
                    + initialDirection + "'");
        }
        if (secondMoment == null) {
            secondMoment = "local";
        }
        try {
            SecondMoment.fromCliName(secondMoment);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--second-moment: " + e.getMessage(), e);
        }
        if (!secondMoment.equals("local") && !algorithm.equals("dp-oadam") && !algorithm.equals("rand-dp-oadam")) {
            throw new IllegalArgumentException("--second-moment: " + secondMoment + " applies to dp-oadam and "
                    + "rand-dp-oadam (it mixes the gradient with the neighbours'), not " + algorithm);
        }
        if (averageMoments && !algorithm.equals("dp-oadam") && !algorithm.equals("rand-dp-oadam")) {
            throw new IllegalArgumentException("--average-moments: applies to dp-oadam and rand-dp-oadam (gossiped Adam "
                    + "moments), not " + algorithm);
        }
        if (workers < 1) {
            throw new IllegalArgumentException("--workers must be >= 1, got " + workers);
        }
        try {
            TopologyType.fromName(topology);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--topology: " + e.getMessage(), e);
        }
        try {
            Algorithm.fromCliName(algorithm);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--algorithm: " + e.getMessage(), e);
        }
        if (!GanModels.isValid(model)) {
            throw new IllegalArgumentException("--model: expected one of " + GanModels.NAMES + " (optionally + \"+sn\"), got '" + model + "'");
        }
        new Datasets.Source(dataset, null);
        Sharding.Spec.parse(shard);
        AdversarialLoss.parse(loss);
        if (batch < 1) {
            throw new IllegalArgumentException("--batch must be >= 1, got " + batch);
        }
        if (iterations < 1) {
            throw new IllegalArgumentException("--iterations must be >= 1, got " + iterations);
        }
        if (!(lrG > 0) || !(lrD > 0)) {
            throw new IllegalArgumentException("--lr-g and --lr-d must be > 0, got " + lrG + ", " + lrD);
        }
        if (gossipRounds < 0) {
            throw new IllegalArgumentException("--gossip-rounds must be >= 0, got " + gossipRounds);
        }
        if (logEvery < 1) {
            throw new IllegalArgumentException("--log-every must be >= 1, got " + logEvery);
        }
        if (evalEvery < 0 || checkpointEvery < 0) {
            throw new IllegalArgumentException("--eval-every and --checkpoint-every must be >= 0");
        }
        if (evalSamples < 1) {
            throw new IllegalArgumentException("--eval-samples must be >= 1, got " + evalSamples);
        }
    }

    /** Defaults for a small run; tests and the CLI override what they need with the withers. */
    public static TrainConfig defaults(String model, String dataset) {
        return new TrainConfig(4, "ring", "dp-oadam", model, dataset, null, "iid", "bce", 64, 1000,
                2e-4, 2e-4, 0.5, 0.999, 1, 0, 0, 10, 0, 0, 2500, null);
    }

    public TrainConfig withIterations(long n) {
        return new TrainConfig(workers, topology, algorithm, model, dataset, dataDir, shard, loss, batch, n, lrG, lrD,
                beta1, beta2, gossipRounds, seed, threadsPerWorker, logEvery, evalEvery, checkpointEvery, evalSamples,
                classifierDir, averageMoments, initialDirection, preset, secondMoment);
    }

    public TrainConfig withWorkers(int m, String topologyName, String algorithmName) {
        return new TrainConfig(m, topologyName, algorithmName, model, dataset, dataDir, shard, loss, batch, iterations,
                lrG, lrD, beta1, beta2, gossipRounds, seed, threadsPerWorker, logEvery, evalEvery, checkpointEvery,
                evalSamples, classifierDir, averageMoments, initialDirection, preset, secondMoment);
    }

    public TrainConfig withOptimizer(double g, double d, double b1, double b2) {
        return new TrainConfig(workers, topology, algorithm, model, dataset, dataDir, shard, loss, batch, iterations,
                g, d, b1, b2, gossipRounds, seed, threadsPerWorker, logEvery, evalEvery, checkpointEvery, evalSamples,
                classifierDir, averageMoments, initialDirection, preset, secondMoment);
    }

    public TrainConfig withReporting(long log, long eval, long checkpoint, int samples) {
        return new TrainConfig(workers, topology, algorithm, model, dataset, dataDir, shard, loss, batch, iterations,
                lrG, lrD, beta1, beta2, gossipRounds, seed, threadsPerWorker, log, eval, checkpoint, samples,
                classifierDir, averageMoments, initialDirection, preset, secondMoment);
    }

    public TrainConfig withData(String dir, String shardSpec, String lossName, int batchSize, long seedValue) {
        return new TrainConfig(workers, topology, algorithm, model, dataset, dir, shardSpec, lossName, batchSize,
                iterations, lrG, lrD, beta1, beta2, gossipRounds, seedValue, threadsPerWorker, logEvery, evalEvery,
                checkpointEvery, evalSamples, classifierDir, averageMoments, initialDirection, preset, secondMoment);
    }

    public TrainConfig withThreads(int threads, String classifier) {
        return new TrainConfig(workers, topology, algorithm, model, dataset, dataDir, shard, loss, batch, iterations,
                lrG, lrD, beta1, beta2, gossipRounds, seed, threads, logEvery, evalEvery, checkpointEvery, evalSamples,
                classifier, averageMoments, initialDirection, preset, secondMoment);
    }

    public TrainConfig withGossipRounds(int t) {
        return new TrainConfig(workers, topology, algorithm, model, dataset, dataDir, shard, loss, batch, iterations,
                lrG, lrD, beta1, beta2, t, seed, threadsPerWorker, logEvery, evalEvery, checkpointEvery, evalSamples,
                classifierDir, averageMoments, initialDirection, preset, secondMoment);
    }

    /** The same run with the reconstructed choices of algorithm.md set (moment averaging, the initial direction). */
    public TrainConfig withReconstructed(boolean averageMomentsValue, String initialDirectionValue) {
        return new TrainConfig(workers, topology, algorithm, model, dataset, dataDir, shard, loss, batch, iterations,
                lrG, lrD, beta1, beta2, gossipRounds, seed, threadsPerWorker, logEvery, evalEvery, checkpointEvery,
                evalSamples, classifierDir, averageMomentsValue, initialDirectionValue, preset, secondMoment);
    }

    /** The same run with Adam's second moment formed from the named gradient ("local" or "neighbourhood"). */
    public TrainConfig withSecondMoment(String name) {
        return new TrainConfig(workers, topology, algorithm, model, dataset, dataDir, shard, loss, batch, iterations,
                lrG, lrD, beta1, beta2, gossipRounds, seed, threadsPerWorker, logEvery, evalEvery, checkpointEvery,
                evalSamples, classifierDir, averageMoments, initialDirection, preset, name);
    }

    /** The same run, recording the preset its unset settings came from. */
    public TrainConfig withPreset(String name) {
        return new TrainConfig(workers, topology, algorithm, model, dataset, dataDir, shard, loss, batch, iterations,
                lrG, lrD, beta1, beta2, gossipRounds, seed, threadsPerWorker, logEvery, evalEvery, checkpointEvery,
                evalSamples, classifierDir, averageMoments, initialDirection, name, secondMoment);
    }

    /**
     * The same run, ignoring how long it goes, how often it reports and the preset's name (what --resume must
     * match: the settings, wherever they came from).
     */
    public TrainConfig identity() {
        return withIterations(1).withReporting(1, 0, 0, 1).withPreset(null);
    }

    /**
     * What a resume must keep: the {@link #identity} less the learning rates, which a resume may lower (a run that
     * diverged goes on from its last checkpoint with finite values; the optimizer's state does not depend on them).
     */
    public TrainConfig resumeIdentity() {
        return identity().withOptimizer(1, 1, beta1, beta2);
    }
}
