package io.dgan.kube.testkit;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/** Polling with a deadline and a message that says what was awaited. */
public final class Waits {
    private Waits() {
    }

    public static void until(Duration timeout, String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        long sleep = 50;
        while (true) {
            if (condition.getAsBoolean()) return;
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + timeout.toSeconds() + " s waiting for " + what);
            }
            try {
                Thread.sleep(sleep);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted waiting for " + what, e);
            }
            sleep = Math.min(500, sleep * 2);
        }
    }
}
