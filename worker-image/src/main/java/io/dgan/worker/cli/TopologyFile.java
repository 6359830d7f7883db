package io.dgan.worker.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.dgan.topology.MixingSchedule;
import io.dgan.topology.SparseMixingMatrix;
import io.dgan.topology.StaticSchedule;
import io.dgan.topology.TopologyEpoch;
import io.dgan.topology.Topologies;
import io.dgan.topology.TopologySpec;
import io.dgan.topology.TopologyType;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The topology file of docs/worker-contract.md ({@code topology.json}, mounted from the topology ConfigMap). For a
 * static topology {@code sparseWeights} (or, in files of older operators, the dense {@code weights}) is W and is
 * taken as given (so a graph the operator re-weighted after a failure is
 * used as published); for a schedule W_k is derived from {@code type}, {@code workers} and {@code seed}.
 *
 * @param epoch        topology epoch, written into every message tag
 * @param gossipRounds gossip rounds t per iteration
 */
public record TopologyFile(long epoch, String type, int workers, int gossipRounds, long seed,
                           MixingSchedule schedule, int[] excludedRanks, long[] memberSince) {

    /** The most workers a topology file may declare (the CRD's largest hypercube is 1,024). */
    static final int MAX_WORKERS = 1 << 16;

    public static TopologyFile read(Path file) {
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new IllegalArgumentException("--topology-file: cannot read " + file + ": " + e.getMessage());
        }
        return parse(text, file);
    }

    /** The epoch as the workers' live topology sees it (validates that excluded ranks have no neighbours). */
    public TopologyEpoch toEpoch() {
        return new TopologyEpoch(epoch, type, schedule, gossipRounds, excludedRanks, memberSince);
    }

    /** Parses the file's content; errors name the file and the field. */
    public static TopologyFile parse(String text, Path file) {
        JsonNode root;
        try {
            root = JsonOutput.mapper().readTree(text);
        } catch (IOException e) {
            String m = e.getMessage() == null ? e.toString() : e.getMessage().lines().findFirst().orElse("");
            throw new IllegalArgumentException("--topology-file: " + file + " is not valid JSON: " + m);
        }
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException("--topology-file: " + file + ": expected a JSON object");
        }
        try {
            long epoch = integer(root, "epoch", true, 0);
            if (epoch < 0) {
                throw new IllegalArgumentException("field 'epoch' must be >= 0, got " + epoch);
            }
            String typeName = required(root, "type").asText();
            long declared = integer(root, "workers", true, 0);
            if (declared < 1 || declared > MAX_WORKERS) {
                // bounded before anything is sized by it: a file claiming 2^31 workers must not exhaust the heap
                throw new IllegalArgumentException("field 'workers' must be in 1.." + MAX_WORKERS + ", got "
                        + declared);
            }
            int workers = (int) declared;
            int rounds = (int) integer(root, "gossipRounds", false, 1);
            if (rounds < 1) {
                throw new IllegalArgumentException("field 'gossipRounds' must be >= 1, got " + rounds);
            }
            JsonNode ex = root.path("excludedRanks");
            int[] excluded = new int[0];
            if (!ex.isMissingNode() && !ex.isNull()) {
                if (!ex.isArray()) {
                    throw new IllegalArgumentException("field 'excludedRanks' must be an array of ranks");
                }
                excluded = new int[ex.size()];
                for (int i = 0; i < ex.size(); i++) {
                    if (!ex.get(i).canConvertToInt() || !ex.get(i).isIntegralNumber()
                            || ex.get(i).asInt() < 0 || ex.get(i).asInt() >= workers) {
                        throw new IllegalArgumentException("field 'excludedRanks' entry " + i + " must be a rank of 0.."
                                + (workers - 1) + ", got " + ex.get(i));
                    }
                    excluded[i] = ex.get(i).asInt();
                }
            }
            long seed = root.path("seed").asLong(0);
            TopologyType type = TopologyType.fromName(typeName);
            MixingSchedule schedule;
            if (type.isSchedule()) {
                schedule = Topologies.create(TopologySpec.of(type, workers).withSeed(seed));
            } else if (root.hasNonNull("sparseWeights")) {
                schedule = new StaticSchedule(type, sparseWeights(root.get("sparseWeights"), workers));
            } else if (root.hasNonNull("weights")) {
                schedule = new StaticSchedule(type, SparseMixingMatrix.fromArray(denseWeights(root.get("weights"), workers)));
            } else {
                throw new IllegalArgumentException("missing field 'sparseWeights' (or the dense 'weights'): W of a static topology");
            }
            JsonNode since = root.path("memberSince");
            long[] memberSince = new long[workers];
            if (!since.isMissingNode() && !since.isNull()) {
                if (!since.isArray() || since.size() != workers) {
                    throw new IllegalArgumentException("field 'memberSince' must be an array of " + workers
                            + " epochs (one per rank)");
                }
                for (int i = 0; i < workers; i++) {
                    if (!since.get(i).isIntegralNumber() || since.get(i).asLong() < 0
                            || since.get(i).asLong() > epoch) {
                        throw new IllegalArgumentException("field 'memberSince' entry " + i + " must be an epoch in 0.."
                                + epoch + ", got " + since.get(i));
                    }
                    memberSince[i] = since.get(i).asLong();
                }
            }
            TopologyFile topo = new TopologyFile(epoch, typeName, workers, rounds, seed, schedule, excluded,
                    memberSince);
            topo.toEpoch(); // an excluded rank with neighbours, or everybody excluded, is an error here
            return topo;
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw new IllegalArgumentException("--topology-file: " + file + ": " + e.getMessage());
        }
    }

    /** {@code {"values": [w...], "rows": [[j, k, j, k, ...], ...]}}: per rank its non-zero W_ij, W_ij = values[k]. */
    static SparseMixingMatrix sparseWeights(JsonNode sparse, int workers) {
        JsonNode values = sparse.path("values");
        JsonNode rows = sparse.path("rows");
        if (!values.isArray() || values.isEmpty()) {
            throw new IllegalArgumentException("field 'sparseWeights.values' must be a non-empty array of weights");
        }
        if (!rows.isArray() || rows.size() != workers) {
            throw new IllegalArgumentException("field 'sparseWeights.rows' must hold " + workers + " rows (one per rank)");
        }
        double[] table = new double[values.size()];
        for (int k = 0; k < table.length; k++) {
            if (!values.get(k).isNumber()) {
                throw new IllegalArgumentException("sparseWeights.values[" + k + "] must be a number, got " + values.get(k));
            }
            table[k] = values.get(k).asDouble();
        }
        int[][] entries = new int[workers][];
        for (int i = 0; i < workers; i++) {
            JsonNode row = rows.get(i);
            if (!row.isArray() || row.size() % 2 != 0) {
                throw new IllegalArgumentException("sparseWeights.rows[" + i + "] must hold (rank, value index) pairs");
            }
            entries[i] = new int[row.size()];
            for (int p = 0; p < row.size(); p++) {
                if (!row.get(p).isIntegralNumber()) {
                    throw new IllegalArgumentException("sparseWeights.rows[" + i + "][" + p + "] must be an integer, got "
                            + row.get(p));
                }
                entries[i][p] = row.get(p).asInt();
            }
        }
        return SparseMixingMatrix.fromSparseRows(table, entries);
    }

    /** The dense M×M {@code weights} of files written before {@code sparseWeights}. */
    private static double[][] denseWeights(JsonNode w, int workers) {
        if (!w.isArray() || w.size() != workers) {
            throw new IllegalArgumentException("weights must be a " + workers + "×" + workers + " array");
        }
        double[][] weights = new double[workers][];
        for (int i = 0; i < workers; i++) {
            JsonNode row = w.get(i);
            if (!row.isArray() || row.size() != workers) {
                throw new IllegalArgumentException("weights row " + i + " must have " + workers + " entries");
            }
            weights[i] = new double[workers];
            for (int j = 0; j < workers; j++) {
                if (!row.get(j).isNumber()) {
                    throw new IllegalArgumentException("weights[" + i + "][" + j + "] must be a number, got "
                            + row.get(j));
                }
                weights[i][j] = row.get(j).asDouble();
            }
        }
        return weights;
    }

    private static long integer(JsonNode root, String field, boolean required, long otherwise) {
        JsonNode node = root.get(field);
        if (node == null || node.isNull()) {
            if (required) {
                throw new IllegalArgumentException("missing field '" + field + "'");
            }
            return otherwise;
        }
        if (!node.isIntegralNumber()) {
            throw new IllegalArgumentException("field '" + field + "' must be an integer, got " + node);
        }
        if (!node.canConvertToLong()) {
            // asLong() would wrap a huge number around to any value, a plausible one included
            throw new IllegalArgumentException("field '" + field + "' is out of range: " + node);
        }
        return node.asLong();
    }

    private static JsonNode required(JsonNode root, String field) {
        JsonNode node = root.get(field);
        if (node == null || node.isNull()) {
            throw new IllegalArgumentException("missing field '" + field + "'");
        }
        return node;
    }
}
