package io.dgan.worker.cli;

/**
 * A run of worker processes ended because its training diverged (a worker exited with {@link
 * io.dgan.training.Diverged#EXIT_CODE}); the worker's own line says where and why. {@code dgan train} exits with the
 * same code.
 */
final class DivergedRun extends RuntimeException {
    DivergedRun(String message) {
        super(message);
    }
}
