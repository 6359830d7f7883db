package io.dgan.operator;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Polls a condition until it holds or a deadline passes (the operator acts asynchronously). */
public final class Eventually {
    private Eventually() {
    }

    public static void await(String what, Duration timeout, BooleanSupplier condition) {
        await(what, timeout, condition, () -> "");
    }

    public static void await(String what, Duration timeout, BooleanSupplier condition, Supplier<String> state) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            try {
                if (condition.getAsBoolean()) return;
            } catch (RuntimeException e) {
                // not there yet (e.g. a null status); retry
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted waiting for " + what);
            }
        }
        throw new AssertionError("timed out after " + timeout + " waiting for " + what + " " + state.get());
    }

    /** Retries {@code assertions} until they pass; after {@code timeout}, fails with their last failure. */
    public static void within(Duration timeout, Runnable assertions) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            try {
                assertions.run();
                return;
            } catch (AssertionError | RuntimeException e) {
                if (System.nanoTime() > deadline) {
                    throw e instanceof AssertionError a ? a : new AssertionError("timed out after " + timeout, e);
                }
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted", e);
            }
        }
    }

    /** Whether the condition holds within {@code timeout} (no failure when it does not). */
    public static boolean holds(Duration timeout, BooleanSupplier condition) {
        try {
            await("condition", timeout, condition);
            return true;
        } catch (AssertionError e) {
            return false;
        }
    }
}
