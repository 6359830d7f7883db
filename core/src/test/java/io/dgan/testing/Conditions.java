package io.dgan.testing;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/** Waits on a condition that another thread or process makes true. */
public final class Conditions {
    private Conditions() {
    }

    /** Polls {@code condition} every 10 ms; fails naming {@code what} once {@code timeout} has passed. */
    public static void await(Duration timeout, String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + timeout.toSeconds() + " s: " + what);
            }
            Thread.sleep(10);
        }
    }
}
