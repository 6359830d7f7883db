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
        doc.put("weights", plan.weights());
        try {
            return JSON.writeValueAsString(doc);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("topology JSON", e);
        }
    }
}
