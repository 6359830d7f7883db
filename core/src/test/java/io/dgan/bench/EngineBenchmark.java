package io.dgan.bench;

import io.dgan.optimizer.Algorithm;
import io.dgan.optimizer.DecentralizedOptimizer;
import io.dgan.optimizer.GradientOracle;
import io.dgan.optimizer.OptimizerConfig;
import io.dgan.optimizer.Optimizers;
import io.dgan.optimizer.Player;
import io.dgan.topology.Topologies;
import io.dgan.topology.TopologySpec;
import io.dgan.transport.InMemoryNetwork;
import io.dgan.transport.RingAllReduce;

import java.nio.FloatBuffer;
import java.util.List;

/**
 * Not a unit test: prints the cost of the optimizer's in-place update and of gossip against references measured
 * in the same run (plain float[] loops doing the same arithmetic, and System.arraycopy for the transport copy).
 * Run: {@code java -cp core/target/classes:core/target/test-classes io.dgan.bench.EngineBenchmark [floats]}.
 */
public final class EngineBenchmark {
    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 4_000_000;
        int reps = 20;
        System.out.printf("floats per player: %d, 2 players, best of %d%n", n, reps);

        // Reference: the DPOSG arithmetic (x -= η d; then x += η (d − g), d = g) on plain arrays.
        float[] x = new float[2 * n];
        float[] d = new float[2 * n];
        float[] g = new float[2 * n];
        java.util.Arrays.fill(g, 1e-3f);
        double refDposg = best(reps, () -> {
            for (int i = 0; i < x.length; i++) {
                x[i] -= 0.1f * d[i];
            }
            for (int i = 0; i < x.length; i++) {
                float gi = g[i];
                x[i] += 0.1f * (d[i] - gi);
                d[i] = gi;
            }
        });
        float[] mm = new float[2 * n];
        float[] vv = new float[2 * n];
        double refAdam = best(reps, () -> {
            for (int i = 0; i < x.length; i++) {
                x[i] -= 0.1f * d[i];
            }
            for (int i = 0; i < x.length; i++) {
                float gi = g[i];
                float mi = 0.5f * mm[i] + 0.5f * gi;
                float vi = 0.999f * vv[i] + 0.001f * gi * gi;
                float di = (mi * 1.1f) / ((float) Math.sqrt(vi * 1.2f) + 1e-8f);
                mm[i] = mi;
                vv[i] = vi;
                x[i] += 0.1f * (d[i] - di);
                d[i] = di;
            }
        });
        double dposg = best(reps, optimizerStep(Algorithm.DPOSG, n));
        double oadam = best(reps, optimizerStep(Algorithm.DP_OADAM, n));
        System.out.printf("dposg step (M=1, free oracle): %.2f ms; plain float[] reference %.2f ms; ratio %.2f%n",
                dposg, refDposg, dposg / refDposg);
        System.out.printf("dp-oadam step (M=1, free oracle): %.2f ms; plain float[] reference %.2f ms; ratio %.2f%n",
                oadam, refAdam, oadam / refAdam);

        double copy = best(reps, () -> System.arraycopy(g, 0, x, 0, x.length));
        double gossip = gossipRound(n, reps);
        System.out.printf("gossip round, ring M=3 threads, in-memory: %.2f ms per iteration; arraycopy of both "
                + "players %.2f ms; ratio %.2f%n", gossip, copy, gossip / copy);
        double allReduce = allReduce(2 * n, 4, reps);
        System.out.printf("ring all-reduce M=4 threads of %d floats: %.2f ms; ratio to one arraycopy %.2f%n",
                2 * n, allReduce, allReduce / copy);
    }

    private static Runnable optimizerStep(Algorithm a, int n) {
        List<Player> players = List.of(new Player("u", FloatBuffer.allocate(n), FloatBuffer.allocate(n)),
                new Player("v", FloatBuffer.allocate(n), FloatBuffer.allocate(n)));
        GradientOracle free = new GradientOracle() {
            @Override
            public List<Player> players() {
                return players;
            }

            @Override
            public void computeGradients(long iteration) {
            }
        };
        DecentralizedOptimizer opt = Optimizers.create(OptimizerConfig.builder(a).learningRate(0.1).build(), free,
                new InMemoryNetwork(1).transport(0), null);
        long[] k = {0};
        return () -> opt.step(++k[0]);
    }

    private static double gossipRound(int n, int reps) throws Exception {
        int m = 3;
        double[] result = new double[1];
        try (InMemoryNetwork net = new InMemoryNetwork(m)) {
            Thread[] threads = new Thread[m];
            for (int r = 0; r < m; r++) {
                int rank = r;
                threads[r] = new Thread(() -> {
                    Runnable step = () -> { };
                    List<Player> players = List.of(new Player("u", FloatBuffer.allocate(n), FloatBuffer.allocate(n)),
                            new Player("v", FloatBuffer.allocate(n), FloatBuffer.allocate(n)));
                    GradientOracle free = new GradientOracle() {
                        @Override
                        public List<Player> players() {
                            return players;
                        }

                        @Override
                        public void computeGradients(long iteration) {
                        }
                    };
                    DecentralizedOptimizer opt = Optimizers.create(OptimizerConfig.builder(Algorithm.GDA)
                            .learningRate(0.1).build(), free, net.transport(rank), Topologies.create(
                            TopologySpec.of("ring", m)));
                    long[] k = {0};
                    double t = best(reps, () -> opt.step(++k[0]));
                    if (rank == 0) {
                        result[0] = t;
                    }
                });
                threads[r].start();
            }
            for (Thread t : threads) {
                t.join();
            }
        }
        return result[0];
    }

    private static double allReduce(int len, int m, int reps) throws Exception {
        double[] result = new double[1];
        try (InMemoryNetwork net = new InMemoryNetwork(m)) {
            Thread[] threads = new Thread[m];
            for (int r = 0; r < m; r++) {
                int rank = r;
                threads[r] = new Thread(() -> {
                    RingAllReduce ar = new RingAllReduce(net.transport(rank), len, RingAllReduce.CHANNEL_BASE);
                    FloatBuffer buf = FloatBuffer.allocate(len);
                    long[] k = {0};
                    double t = best(reps, () -> ar.average(buf, 0, ++k[0]));
                    if (rank == 0) {
                        result[0] = t;
                    }
                });
                threads[r].start();
            }
            for (Thread t : threads) {
                t.join();
            }
        }
        return result[0];
    }

    /** Best wall time in ms over reps runs (after reps/2 warm-up runs). */
    static double best(int reps, Runnable r) {
        for (int i = 0; i < reps / 2; i++) {
            r.run();
        }
        double best = Double.MAX_VALUE;
        for (int i = 0; i < reps; i++) {
            long t0 = System.nanoTime();
            r.run();
            best = Math.min(best, (System.nanoTime() - t0) / 1e6);
        }
        return best;
    }
}
