package io.dgan.worker.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.dgan.topology.MixingSchedule;
import io.dgan.topology.SparseMixingMatrix;
import io.dgan.topology.StaticSchedule;
import io.dgan.topology.Topologies;
import io.dgan.topology.TopologySpec;
import io.dgan.topology.TopologyType;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The topology file of docs/worker-contract.md ({@code topology.json}, mounted from the topology ConfigMap). For a
 * static topology {@code weights} is W and is taken as given (so a graph the operator re-weighted after a failure is
 * used as published); for a schedule W_k is derived from {@code type}, {@code workers} and {@code seed}.
 *
 * @param epoch        topology epoch, written into every message tag
 * @param gossipRounds gossip rounds t per iteration
 */
public record TopologyFile(long epoch, String type, int workers, int gossipRounds, long seed,
                           MixingSchedule schedule) {

    public static TopologyFile read(Path file) {
        JsonNode root;
        try {
            root = JsonOutput.mapper().readTree(Files.readString(file));
        } catch (IOException e) {
            throw new IllegalArgumentException("--topology-file: cannot read " + file + ": " + e.getMessage());
        }
        try {
            long epoch = required(root, "epoch").asLong();
            String typeName = required(root, "type").asText();
            int workers = required(root, "workers").asInt();
            int rounds = root.path("gossipRounds").asInt(1);
            long seed = root.path("seed").asLong(0);
            TopologyType type = TopologyType.fromName(typeName);
            MixingSchedule schedule;
            if (type.isSchedule()) {
                schedule = Topologies.create(TopologySpec.of(type, workers).withSeed(seed));
            } else {
                JsonNode w = required(root, "weights");
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
                        weights[i][j] = row.get(j).asDouble();
                    }
                }
                schedule = new StaticSchedule(type, SparseMixingMatrix.fromArray(weights));
            }
            return new TopologyFile(epoch, typeName, workers, rounds, seed, schedule);
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw new IllegalArgumentException("--topology-file: " + file + ": " + e.getMessage());
        }
    }

    private static JsonNode required(JsonNode root, String field) {
        JsonNode node = root.get(field);
        if (node == null || node.isNull()) {
            throw new IllegalArgumentException("missing field '" + field + "'");
        }
        return node;
    }
}
