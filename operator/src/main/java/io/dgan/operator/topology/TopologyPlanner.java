package io.dgan.operator.topology;

import io.dgan.topology.Edge;
import io.dgan.topology.MixingAnalysis;
import io.dgan.topology.MixingMatrix;
import io.dgan.topology.MixingSchedule;
import io.dgan.topology.Topologies;
import io.dgan.topology.TopologySpec;
import io.dgan.topology.TopologyType;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;

/**
 * The operator's view of a job's graph, built on the topology package (io.dgan.topology, the same code the
 * workers use): W of the first iteration, ρ, spectral gap and connectivity from {@link MixingAnalysis}.
 *
 * <p>With ranks cut out (RewireAndReplace), the survivors keep the edges they had among themselves and get
 * Metropolis–Hastings weights on that graph (the topology package's {@code graph} type): W stays symmetric and
 * doubly stochastic. An excluded rank keeps only W_ii = 1. If the survivors' graph is disconnected the plan says
 * so (connected = false, gap 0) and the reconciler restarts the job instead. Schedules (W_k redrawn every
 * iteration by the workers) are not rewired: their plan is always the full one.
 */
public final class TopologyPlanner {

    /** CRD type name (e.g. OnePeerHypercube) to the topology package's type (one-peer-hypercube). */
    public static TopologyType typeOf(String crdType) {
        return TopologyType.fromName(crdType.replaceAll("([a-z])([A-Z])", "$1-$2").toLowerCase(Locale.ROOT));
    }

    public static boolean isSchedule(String crdType) {
        return typeOf(crdType).isSchedule();
    }

    /** Throws IllegalArgumentException (naming the problem) when the type cannot be built on that many workers. */
    public static MixingSchedule schedule(String crdType, int workers, long seed) {
        return Topologies.create(TopologySpec.of(typeOf(crdType), workers).withSeed(seed));
    }

    /** Graphs planned recently: the spectral analysis is dense, O(M³) (2.2 s at M = 1024 on 2 cores), and a job is
     * reconciled on every pod event; the graph changes only with its type, size, seed or excluded ranks. */
    private final java.util.Map<String, TopologyPlan> cache = java.util.Collections.synchronizedMap(
            new java.util.LinkedHashMap<>(16, 0.75f, true) {
                @Override
                protected boolean removeEldestEntry(java.util.Map.Entry<String, TopologyPlan> eldest) {
                    return size() > 32;
                }
            });

    public TopologyPlan plan(String type, int workers, int gossipRounds, long seed, long epoch,
                             Collection<Integer> excluded) {
        TreeSet<Integer> out = new TreeSet<>(excluded);
        String key = type + "/" + workers + "/" + gossipRounds + "/" + seed + "/" + out;
        TopologyPlan cached = cache.get(key);
        if (cached != null) return cached.atEpoch(epoch);
        TopologyPlan planned = compute(type, workers, gossipRounds, seed, epoch, out);
        cache.put(key, planned);
        return planned;
    }

    private static TopologyPlan compute(String type, int workers, int gossipRounds, long seed, long epoch,
                                        TreeSet<Integer> out) {
        MixingSchedule full = schedule(type, workers, seed);
        if (out.isEmpty() || full.period() != 1) {
            MixingAnalysis a = MixingAnalysis.of(full);
            return new TopologyPlan(type, workers, epoch, gossipRounds, seed, List.copyOf(out),
                    full.at(1), a.rho(), a.spectralGap(), a.connected());
        }
        return rewired(type, workers, gossipRounds, seed, epoch, out, full.at(1));
    }

    private static TopologyPlan rewired(String type, int workers, int gossipRounds, long seed, long epoch,
                                        TreeSet<Integer> out, MixingMatrix w) {
        List<Integer> survivors = new ArrayList<>();
        int[] index = new int[workers];
        for (int i = 0; i < workers; i++) {
            index[i] = out.contains(i) ? -1 : survivors.size();
            if (!out.contains(i)) survivors.add(i);
        }
        double[][] weights = new double[workers][workers];
        for (int r : out) weights[r][r] = 1.0;
        if (survivors.isEmpty()) {
            return new TopologyPlan(type, workers, epoch, gossipRounds, seed, List.copyOf(out),
                    io.dgan.topology.SparseMixingMatrix.fromArray(weights), 1.0, 0.0, false);
        }
        List<Edge> edges = new ArrayList<>();
        for (int i : survivors) {
            for (int j : w.neighbours(i)) {
                if (j > i && index[j] >= 0) edges.add(new Edge(index[i], index[j]));
            }
        }
        MixingSchedule survivorsGraph;
        try {
            survivorsGraph = Topologies.create(TopologySpec.of(TopologyType.GRAPH, survivors.size()).withEdges(edges));
        } catch (IllegalArgumentException | IllegalStateException disconnected) {
            for (int i : survivors) weights[i][i] = 1.0;
            return new TopologyPlan(type, workers, epoch, gossipRounds, seed, List.copyOf(out),
                    io.dgan.topology.SparseMixingMatrix.fromArray(weights), 1.0, 0.0, false);
        }
        double[][] small = survivorsGraph.at(1).toArray();
        for (int a = 0; a < survivors.size(); a++) {
            for (int b = 0; b < survivors.size(); b++) {
                weights[survivors.get(a)][survivors.get(b)] = small[a][b];
            }
        }
        MixingAnalysis analysis = MixingAnalysis.of(survivorsGraph);
        return new TopologyPlan(type, workers, epoch, gossipRounds, seed, List.copyOf(out),
                io.dgan.topology.SparseMixingMatrix.fromArray(weights), analysis.rho(), analysis.spectralGap(), analysis.connected());
    }
}
