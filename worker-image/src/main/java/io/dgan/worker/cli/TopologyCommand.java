package io.dgan.worker.cli;

import io.dgan.topology.Edge;
import io.dgan.topology.EdgeListParser;
import io.dgan.topology.MixingAnalysis;
import io.dgan.topology.MixingMatrix;
import io.dgan.topology.MixingSchedule;
import io.dgan.topology.Topologies;
import io.dgan.topology.TopologySpec;
import io.dgan.topology.TopologyType;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** {@code dgan topology}: build a mixing matrix (or schedule), check it and print ρ, the spectral gap and W. */
@Command(name = "topology", mixinStandardHelpOptions = true,
        description = "Build a mixing matrix, check it (symmetric, doubly stochastic, connected) and print ρ, "
                + "the spectral gap and the weights.")
public final class TopologyCommand implements Runnable {
    /** Above this many workers the readable summary leaves W out (it is always in --json). */
    private static final int MAX_PRINTED_WORKERS = 16;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--type", required = true, paramLabel = "TYPE",
            description = "One of: ring, torus, hypercube, exponential, complete, one-peer-hypercube, random-ring, "
                    + "random-matching, graph.")
    String type;

    @Option(names = "--workers", paramLabel = "M",
            description = "Number of workers (for graph: default = largest index in the edges + 1).")
    Integer workers;

    @Option(names = "--seed", defaultValue = "0", description = "Shared seed of random-ring / random-matching (default 0).")
    long seed;

    @Option(names = "--rows", paramLabel = "R", description = "Torus rows (default: the largest divisor of M not above √M).")
    Integer rows;

    @Option(names = "--graph", paramLabel = "EDGES", description = "Edges of a user graph, e.g. \"0-1,1-2,2-3,3-0\".")
    String graph;

    @Option(names = "--graph-file", paramLabel = "FILE", description = "File with one edge \"i j\" per line (# comments).")
    Path graphFile;

    @Option(names = "--json", description = "Print one JSON object on stdout.")
    boolean json;

    @Override
    public void run() {
        TopologyType topologyType = parseType();
        List<Edge> edges = edges(topologyType);
        int m = workerCount(topologyType, edges);
        TopologySpec topologySpec = new TopologySpec(topologyType, m, seed, rows == null ? 0 : rows, edges);
        MixingSchedule schedule = Topologies.create(topologySpec);
        MixingAnalysis analysis = MixingAnalysis.of(schedule);
        MixingMatrix first = schedule.at(1);
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.println(JsonOutput.toJson(document(analysis, first)));
        } else {
            printSummary(out, analysis, first);
        }
        out.flush();
    }

    private TopologyType parseType() {
        try {
            return TopologyType.fromName(type);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--type: " + e.getMessage());
        }
    }

    private List<Edge> edges(TopologyType topologyType) {
        if (graph != null && graphFile != null) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--graph and --graph-file: give only one");
        }
        if (topologyType != TopologyType.GRAPH) {
            if (graph != null || graphFile != null) {
                throw new CommandLine.ParameterException(spec.commandLine(),
                        (graph != null ? "--graph" : "--graph-file") + ": only used with --type graph");
            }
            return List.of();
        }
        try {
            if (graph != null) {
                return EdgeListParser.parse(graph);
            }
            if (graphFile != null) {
                return EdgeListParser.parse(graphFile);
            }
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    (graph != null ? "--graph: " : "--graph-file: ") + e.getMessage());
        }
        throw new CommandLine.ParameterException(spec.commandLine(),
                "--type graph needs --graph \"0-1,1-2,...\" or --graph-file FILE");
    }

    private int workerCount(TopologyType topologyType, List<Edge> edges) {
        if (workers != null) {
            if (workers < 1) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--workers: expected at least 1, got " + workers);
            }
            return workers;
        }
        if (topologyType == TopologyType.GRAPH) {
            return edges.stream().mapToInt(Edge::b).max().orElse(0) + 1;
        }
        throw new CommandLine.ParameterException(spec.commandLine(), "--workers: required for --type " + topologyType);
    }

    private Map<String, Object> document(MixingAnalysis analysis, MixingMatrix first) {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("type", analysis.type());
        doc.put("workers", analysis.workers());
        doc.put("seed", seed);
        doc.put("period", analysis.period());
        doc.put("rhoRounds", analysis.rounds());
        doc.put("rho", analysis.rho());
        doc.put("rhoLongRun", analysis.rhoLongRun());
        doc.put("spectralGap", analysis.spectralGap());
        doc.put("connected", analysis.connected());
        doc.put("weights", first.toArray());
        return doc;
    }

    private void printSummary(PrintWriter out, MixingAnalysis a, MixingMatrix first) {
        String kind = a.period() == 1 ? "static" : a.period() == 0
                ? "random schedule, seed " + seed : "periodic schedule, period " + a.period();
        out.printf("topology      %s (%s)%n", a.type(), kind);
        out.printf("workers       %d%n", a.workers());
        int maxDegree = 0;
        for (int i = 0; i < a.workers(); i++) {
            maxDegree = Math.max(maxDegree, first.neighbours(i).length);
        }
        out.printf("degree        %d (max, iteration 1)%n", maxDegree);
        if (a.period() == 1) {
            out.printf("rho           %.6f   (max(|λ2|, |λM|))%n", a.rho());
        } else {
            out.printf("rho           %.6f   (per round: σ_max(W_%d⋯W_1 − 11ᵀ/M)^(1/%d))%n", a.rho(), a.rounds(), a.rounds());
            if (a.period() == 0) {
                out.printf("rho long run  %.6f   (per round over %d rounds)%n", a.rhoLongRun(), MixingAnalysis.LONG_RUN);
            }
        }
        out.printf("spectral gap  %.6f%n", a.spectralGap());
        out.printf("connected     %s%s%n", a.connected() ? "yes" : "NO: " + a.components(),
                a.period() == 1 ? "" : " (union of iterations 1.." + a.rounds() + ")");
        if (a.workers() <= MAX_PRINTED_WORKERS) {
            out.println(a.period() == 1 ? "weights" : "weights at iteration 1");
            double[][] w = first.toArray();
            for (double[] row : w) {
                StringBuilder line = new StringBuilder("  ");
                for (double v : row) {
                    line.append(v == 0.0 ? "     .  " : String.format("%7.4f ", v));
                }
                out.println(line.toString().stripTrailing());
            }
        } else {
            out.println("weights       (" + a.workers() + "×" + a.workers() + ", use --json to print them)");
        }
    }
}
