package io.dgan.worker.cli;

/**
 * A run of local worker processes ended because a worker exited with an error; the worker's own lines above say
 * what happened, this one says which worker and what the launcher did. The launcher exits with {@link #exitCode}: 3
 * when the training diverged ({@link io.dgan.training.Diverged#EXIT_CODE}), 2 when a worker refused its input, else
 * 1. No stack trace is useful here: the failure is the worker's, not the launcher's.
 */
final class WorkersFailed extends RuntimeException {
    private final int exitCode;

    WorkersFailed(String message, int workerExitCode) {
        super(message);
        this.exitCode = workerExitCode == io.dgan.training.Diverged.EXIT_CODE || workerExitCode == 2
                ? workerExitCode : 1;
    }

    int exitCode() {
        return exitCode;
    }
}
