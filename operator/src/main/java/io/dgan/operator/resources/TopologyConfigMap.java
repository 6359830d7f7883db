package io.dgan.operator.resources;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dgan.operator.crd.DecentralizedGANJob;
import io.dgan.operator.topology.TopologyPlan;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The versioned topology every worker mounts (docs/worker-contract.md, key {@code topology.json}). The kubelet
 * refreshes a mounted ConfigMap in place, so a new epoch reaches running workers without a restart.
 */
public final class TopologyConfigMap {
    public static final String KEY = "topology.json";
    public static final String MOUNT_DIR = "/etc/dgan/topology";
    public static final String FILE = MOUNT_DIR + "/" + KEY;
    public static final String EPOCH_ANNOTATION = "dgan.io/topology-epoch";
    private static final ObjectMapper JSON = new ObjectMapper();

    private TopologyConfigMap() {
    }

    public static ConfigMap desired(DecentralizedGANJob job, TopologyPlan plan) {
        ConfigMap cm = new ConfigMapBuilder()
                .withMetadata(Owners.ownedMetadata(job, Names.topologyConfigMap(job.getMetadata().getName())))
                .addToData(KEY, toJson(plan))
                .build();
        cm.getMetadata().setAnnotations(new LinkedHashMap<>(Map.of(EPOCH_ANNOTATION, Long.toString(plan.epoch()))));
        return cm;
    }

    /** The contract's type names: CRD {@code OnePeerHypercube} is {@code one-peer-hypercube} on the CLI. */
    public static String contractType(String crdType) {
        return io.dgan.operator.topology.TopologyPlanner.typeOf(crdType).cliName();
    }

    /** The ConfigMap's data must stay under the API server's 1 MiB object limit (etcd's request limit). */
    public static final int MAX_BYTES = 1 << 20;

    static Map<String, Object> sparse(io.dgan.topology.MixingMatrix w) {
        java.util.List<Double> values = new java.util.ArrayList<>();
        Map<Long, Integer> index = new java.util.HashMap<>();
        int m = w.workers();
        int[][] rows = new int[m][];
        for (int i = 0; i < m; i++) {
            int[] nb = w.neighbours(i);
            int[] row = new int[2 * (nb.length + 1)];
            int p = 0;
            double self = w.weight(i, i);
            int[] cols = new int[nb.length + 1];
            System.arraycopy(nb, 0, cols, 0, nb.length);
            cols[nb.length] = i;
            java.util.Arrays.sort(cols);
            for (int j : cols) {
                double v = j == i ? self : w.weight(i, j);
                if (v == 0.0 && j != i) continue;
                Integer k = index.computeIfAbsent(Double.doubleToLongBits(v), b -> {
                    values.add(v);
                    return values.size() - 1;
                });
                row[p++] = j;
                row[p++] = k;
            }
            rows[i] = p == row.length ? row : java.util.Arrays.copyOf(row, p);
        }
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("values", values);
        doc.put("rows", rows);
        return doc;
    }

    public static String toJson(TopologyPlan plan) {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("epoch", plan.epoch());
        doc.put("type", contractType(plan.type()));
        doc.put("workers", plan.workers());
        doc.put("gossipRounds", plan.gossipRounds());
        doc.put("seed", plan.seed());
        doc.put("rho", plan.rho());
        doc.put("spectralGap", plan.spectralGap());
        doc.put("connected", plan.connected());
        doc.put("excludedRanks", plan.excludedRanks());
        doc.put("memberSince", plan.memberSince());
        // W sparsely (a table of distinct weights, then per rank its non-zero entries as column/value-index pairs):
        // a ring of 4,096 ranks is ~0.1 MiB, where the dense M×M array passed the ConfigMap's 1 MiB at ~512.
        // Schedules publish none: the workers draw W_k from type, workers and seed.
        if (!io.dgan.operator.topology.TopologyPlanner.isSchedule(plan.type())) doc.put("sparseWeights", sparse(plan.matrix()));
        try {
            return JSON.writeValueAsString(doc);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("topology JSON", e);
        }
    }
}
