package io.dgan.topology;

import java.util.List;
import java.util.Objects;

/**
 * What to build: the topology type, the number of workers M, the shared seed of the random schedules, the torus
 * shape (0 = automatic) and, for {@code graph}, the user's edges.
 */
public record TopologySpec(TopologyType type, int workers, long seed, int torusRows, List<Edge> edges) {
    public TopologySpec {
        Objects.requireNonNull(type, "type");
        edges = edges == null ? List.of() : List.copyOf(edges);
    }

    public static TopologySpec of(TopologyType type, int workers) {
        return new TopologySpec(type, workers, 0L, 0, List.of());
    }

    public static TopologySpec of(String type, int workers) {
        return of(TopologyType.fromName(type), workers);
    }

    public TopologySpec withSeed(long newSeed) {
        return new TopologySpec(type, workers, newSeed, torusRows, edges);
    }

    public TopologySpec withTorusRows(int rows) {
        return new TopologySpec(type, workers, seed, rows, edges);
    }

    public TopologySpec withEdges(List<Edge> newEdges) {
        return new TopologySpec(type, workers, seed, torusRows, newEdges);
    }
}
