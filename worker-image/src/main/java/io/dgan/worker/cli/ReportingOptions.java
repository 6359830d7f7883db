package io.dgan.worker.cli;

import picocli.CommandLine.Option;

/** How a GAN run reports, evaluates and checkpoints, and its native threads: options of {@code dgan train}. */
final class ReportingOptions {
    @Option(names = "--threads-per-worker",
            description = "ND4J/BLAS threads per op (default 0: cores / workers, at least 1)")
    int threadsPerWorker;

    @Option(names = "--log-every",
            description = "iterations per progress line / metrics record (default ${DEFAULT-VALUE})")
    long logEvery = 10;

    @Option(names = "--eval-every", description = "iterations between evaluations (default 0: at the end only)")
    long evalEvery;

    @Option(names = "--checkpoint-every", description = "iterations between checkpoints (default 0: at the end only)")
    long checkpointEvery;

    @Option(names = "--eval-samples", description = "samples per evaluation (default ${DEFAULT-VALUE})")
    int evalSamples = 2500;

    @Option(names = "--classifier-dir",
            description = "feature classifier for FID/KID/IS (default: see dgan classifier train --help)")
    String classifierDir;
}
