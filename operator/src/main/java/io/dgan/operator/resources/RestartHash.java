package io.dgan.operator.resources;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.dgan.operator.crd.DecentralizedGANJobSpec;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

/** A digest of every spec field whose change needs the workers restarted (pod template, model, dataset,
 * optimizer, training, restartNonce). Stamped on each pod: a pod with a stale hash is replaced; worker count and topology are
 * deliberately outside it (they change by scale and rewire, without restarts). */
public final class RestartHash {
    public static final String ANNOTATION = "dgan.io/restart-hash";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);

    private RestartHash() {
    }

    /**
     * The training section less {@code checkpointVolume.whenDeleted}: what becomes of the claims after the job is not
     * something the workers see, and the API server fills in its default on jobs stored before the field existed.
     */
    private static Object withoutClaimRetention(io.dgan.operator.crd.TrainingSpec training) {
        if (training == null || training.checkpointVolume == null || training.checkpointVolume.whenDeleted == null) {
            return training;
        }
        com.fasterxml.jackson.databind.node.ObjectNode tree = JSON.valueToTree(training);
        ((com.fasterxml.jackson.databind.node.ObjectNode) tree.get("checkpointVolume")).remove("whenDeleted");
        return tree;
    }

    public static String of(DecentralizedGANJobSpec spec) {
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("template", spec.template);
        fields.put("model", spec.model);
        fields.put("dataset", spec.dataset);
        fields.put("optimizer", spec.optimizer);
        fields.put("training", withoutClaimRetention(spec.training));
        // Only when set: a job applied before the field existed keeps its hash, so its workers are not restarted.
        if (spec.restartNonce != null) fields.put("restartNonce", spec.restartNonce);
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256")
                    .digest(JSON.writeValueAsString(fields).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 8);
        } catch (JsonProcessingException | NoSuchAlgorithmException e) {
            throw new IllegalStateException("restart hash", e);
        }
    }
}
