package io.dgan.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.IntConsumer;

/** Runs one body per rank, each on its own thread, and rethrows the first failure. */
public final class Ranks {
    private Ranks() {
    }

    public static void run(int m, IntConsumer body) {
        ExecutorService pool = Executors.newFixedThreadPool(m);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int r = 0; r < m; r++) {
                int rank = r;
                futures.add(pool.submit(() -> body.accept(rank)));
            }
            for (Future<?> f : futures) {
                try {
                    f.get();
                } catch (ExecutionException e) {
                    if (e.getCause() instanceof RuntimeException re) {
                        throw re;
                    }
                    throw new AssertionError(e.getCause());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new AssertionError(e);
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
