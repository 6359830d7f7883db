package io.dgan.operator.resources;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.dgan.operator.crd.DecentralizedGANJob;
import io.dgan.operator.crd.DecentralizedGANJobSpec;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import java.util.LinkedHashMap;
import java.util.Map;

/** The job's training configuration (model, dataset, optimizer, training, topology) as the JSON the worker
 * reads from {@code DGAN_CONFIG_FILE}. Rendered from the spec only, so its content changes exactly when a
 * restart-class field changes. */
public final class TrainingConfigMap {
    public static final String KEY = "config.json";
    public static final String MOUNT_DIR = "/etc/dgan/config";
    public static final String FILE = MOUNT_DIR + "/" + KEY;
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);

    private TrainingConfigMap() {
    }

    public static ConfigMap desired(DecentralizedGANJob job) {
        return new ConfigMapBuilder()
                .withMetadata(Owners.ownedMetadata(job, Names.trainingConfigMap(job.getMetadata().getName())))
                .addToData(KEY, toJson(job.getSpec()))
                .build();
    }

    public static String toJson(DecentralizedGANJobSpec spec) {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("model", spec.model);
        doc.put("dataset", spec.dataset);
        doc.put("optimizer", spec.optimizer);
        doc.put("training", spec.training);
        try {
            return JSON.writeValueAsString(doc);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("training config JSON", e);
        }
    }
}
