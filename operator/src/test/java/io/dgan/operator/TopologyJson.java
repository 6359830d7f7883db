package io.dgan.operator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dgan.topology.SparseMixingMatrix;

/** W of a topology.json as docs/worker-contract.md defines {@code sparseWeights} (the worker reads the same format). */
public final class TopologyJson {
    private static final ObjectMapper JSON = new ObjectMapper();

    private TopologyJson() {
    }

    public static SparseMixingMatrix matrix(JsonNode topology) {
        JsonNode sparse = topology.get("sparseWeights");
        if (sparse == null) throw new AssertionError("no sparseWeights in " + topology);
        return SparseMixingMatrix.fromSparseRows(JSON.convertValue(sparse.get("values"), double[].class),
                JSON.convertValue(sparse.get("rows"), int[][].class));
    }

    public static double[][] weights(JsonNode topology) {
        return matrix(topology).toArray();
    }
}
