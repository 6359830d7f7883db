package io.dgan.operator.crd;

import io.dgan.operator.reconcile.JobConditions;
import io.dgan.operator.reconcile.WorkerLoss;
import io.dgan.operator.resources.WorkerPod;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceColumnDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionVersion;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import io.fabric8.kubernetes.api.model.apiextensions.v1.ValidationRule;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * docs/reference/crd.md, rendered from the generated CRD: every field of spec and status with its type, default and
 * validation (required, bounds, enumerations, patterns, CEL rules with their messages), the resource-level rules, the
 * printer columns in the order the API server returns them, short names, categories and subresources. Kubernetes'
 * own types (the pod template) are named, not expanded. Then what the schema cannot say: the reasons a job fails
 * with, and how the failure policy reads worker exit codes. {@link CrdReferenceTest} fails when the committed page
 * differs.
 */
public final class CrdReference {
    /** Fields documented by reference to Kubernetes' API rather than expanded. */
    static final List<String> KUBERNETES_TYPES = List.of("spec.template", "status.conditions");

    private CrdReference() {
    }

    public static String render(Path crdFile) throws IOException {
        CustomResourceDefinition crd = Serialization.unmarshal(Files.readString(crdFile), CustomResourceDefinition.class);
        CustomResourceDefinitionVersion v = crd.getSpec().getVersions().get(0);
        var names = crd.getSpec().getNames();
        StringBuilder out = new StringBuilder();
        out.append("# DecentralizedGANJob reference (").append(crd.getSpec().getGroup()).append('/').append(v.getName())
                .append(")\n\n")
                .append("Generated from `crds/").append(crdFile.getFileName()).append("` by `CrdReference` (operator tests); ")
                .append("`CrdReferenceTest` fails when this page differs from the CRD. Regenerate with\n")
                .append("`./mvnw -B -pl operator -am verify -Dtest=CrdReferenceTest -Ddgan.writeCrdReference=true "
                        + "-Dsurefire.failIfNoSpecifiedTests=false`.\n\n");
        out.append("- Kind `").append(names.getKind()).append("`, plural `").append(names.getPlural())
                .append("`, scope ").append(crd.getSpec().getScope()).append('\n');
        out.append("- Short names: ").append(code(names.getShortNames())).append('\n');
        out.append("- Categories: ").append(code(names.getCategories()))
                .append(" (`kubectl get ").append(names.getCategories().isEmpty() ? "" : names.getCategories().get(1))
                .append("` lists the jobs)\n");
        out.append("- Subresources: status");
        if (v.getSubresources().getScale() != null) {
            var scale = v.getSubresources().getScale();
            out.append(", scale (`").append(scale.getSpecReplicasPath()).append("`, `")
                    .append(scale.getStatusReplicasPath()).append("`, selector `").append(scale.getLabelSelectorPath())
                    .append("`)");
        }
        out.append("\n\n## Printer columns (`kubectl get dgj`), in the order the API server returns them\n\n")
                .append("| column | type | JSON path |\n|---|---|---|\n");
        for (CustomResourceColumnDefinition c : v.getAdditionalPrinterColumns()) {
            out.append("| ").append(c.getName()).append(" | ").append(c.getType()).append(" | `")
                    .append(c.getJsonPath()).append("` |\n");
        }
        JSONSchemaProps root = v.getSchema().getOpenAPIV3Schema();
        out.append("\n## Resource-level rules\n\n");
        for (ValidationRule r : root.getXKubernetesValidations()) {
            out.append("- `").append(r.getRule()).append("`: ").append(r.getMessage()).append('\n');
        }
        for (String top : List.of("spec", "status")) {
            JSONSchemaProps schema = root.getProperties().get(top);
            out.append("\n## ").append(top).append("\n\n");
            if (schema.getXKubernetesValidations() != null && !schema.getXKubernetesValidations().isEmpty()) {
                out.append("Rules on `").append(top).append("` as a whole:\n\n");
                for (ValidationRule r : schema.getXKubernetesValidations()) {
                    out.append("- `").append(r.getRule()).append("`: ").append(r.getMessage()).append('\n');
                }
                out.append('\n');
            }
            out.append("| field | type | default | validation | description |\n|---|---|---|---|---|\n");
            List<String> rows = new ArrayList<>();
            walk(top, schema, rows);
            rows.forEach(r -> out.append(r).append('\n'));
        }
        failures(out);
        return out.toString();
    }

    /**
     * What the schema cannot say: the reasons a job fails with ({@link JobConditions#FAILED_REASONS}) and how the
     * failure policy reads a worker's exit code and termination message.
     */
    private static void failures(StringBuilder out) {
        out.append("\n## Why a job Failed (`status.conditions[type=Failed].reason`)\n\n")
                .append("The Failed condition's message (also `status.message`) says the rest; the same text is the ")
                .append("job's Warning Event `Failed` (`kubectl describe dgj`).\n\n")
                .append("| reason | when |\n|---|---|\n");
        JobConditions.FAILED_REASONS.forEach((reason, when) ->
                out.append("| `").append(reason).append("` | ").append(cell(when)).append(" |\n"));
        out.append("\nA Failed job runs again when its spec changes in a way its workers see (learning rates, image, ")
                .append("model, workers, graph) or `spec.restartNonce` changes; a Succeeded one when ")
                .append("`spec.training.iterations` is raised above the step it finished at. Failed or Succeeded then ")
                .append("turns False with reason `Rerun` and every rank resumes from the newest checkpoint all ranks ")
                .append("have (docs/howto/failures.md).\n");
        out.append("\n## Worker exit codes and the failure policy\n\n")
                .append("A worker that fails writes one line saying why to its termination message file (`")
                .append(WorkerPod.TERMINATION_MESSAGE_PATH_ENV).append("`, else Kubernetes' `")
                .append(WorkerPod.DEFAULT_TERMINATION_MESSAGE_PATH).append("`). The operator sets ")
                .append("`terminationMessagePolicy: ").append(WorkerPod.FALLBACK_TO_LOGS_ON_ERROR)
                .append("` on the worker container unless the template sets one, so a worker that wrote nothing ")
                .append("(killed, out of memory) leaves its log's tail instead. The last non-empty line, cut to ")
                .append(WorkerLoss.MAX_LINE).append(" characters, follows the exit code in conditions and Events: ")
                .append("`rank 2 failed (exit 3: rank 2 diverged at iteration 1,234: ...)`.\n\n")
                .append("| exit code | the worker | what the operator does |\n|---|---|---|\n")
                .append("| 0 | finished its iterations | the job Succeeds once every rank has |\n")
                .append("| ").append(WorkerLoss.FAILED_EXIT_CODE).append(" | failed (its line says why; a diverged ")
                .append("rank's neighbours stop with 3 or wait, but one may fail on its own around it) | ")
                .append("`spec.failurePolicy`, ")
                .append(WorkerLoss.SETTLE.toSeconds()).append(" s after the container stopped (its ")
                .append("`finishedAt`): a diverged rank's exit ").append(WorkerLoss.DIVERGED_EXIT_CODE)
                .append(", reported later by its node, still decides |\n")
                .append("| 2 | cannot run its configuration (a bad flag, a missing data file) | `spec.failurePolicy`; ")
                .append("list 2 in `nonRetryableExitCodes` to fail the job at once (`NonRetryableExitCode`) |\n")
                .append("| ").append(WorkerLoss.DIVERGED_EXIT_CODE).append(" | its own losses or parameters became ")
                .append("NaN or infinite | the job fails at once with reason `").append(JobConditions.DIVERGED)
                .append("`, also when its neighbours' exits reach the operator in the same reconcile or, within ")
                .append("those ").append(WorkerLoss.SETTLE.toSeconds()).append(" s, before it; no policy, ")
                .append("`maxRestarts` or `nonRetryableExitCodes` entry changes that, and there is no opt-out |\n")
                .append("| 143 | stopped by SIGTERM, after a checkpoint | nothing when the operator deleted the pod; ")
                .append("`spec.failurePolicy` when anyone else did |\n")
                .append("| other (137: killed, out of memory) | | `spec.failurePolicy` |\n");
    }

    private static void walk(String path, JSONSchemaProps schema, List<String> rows) {
        if (schema.getProperties() == null) return;
        for (Map.Entry<String, JSONSchemaProps> e : schema.getProperties().entrySet()) {
            String field = path + "." + e.getKey();
            JSONSchemaProps p = e.getValue();
            boolean required = schema.getRequired() != null && schema.getRequired().contains(e.getKey());
            boolean kubernetes = KUBERNETES_TYPES.contains(field);
            rows.add("| `" + field + "` | " + type(p, kubernetes) + " | " + (p.getDefault() == null ? ""
                    : "`" + p.getDefault().toString() + "`") + " | " + validation(p, required) + " | "
                    + cell(p.getDescription()) + " |");
            if (kubernetes) continue;
            walk(field, p, rows);
            if (p.getItems() != null && p.getItems().getSchema() != null) walk(field + "[]", p.getItems().getSchema(), rows);
            if (p.getAdditionalProperties() != null && p.getAdditionalProperties().getSchema() != null) {
                walk(field + "{}", p.getAdditionalProperties().getSchema(), rows);
            }
        }
    }

    private static String type(JSONSchemaProps p, boolean kubernetes) {
        if (kubernetes) return p.getType() + " (Kubernetes " + ("array".equals(p.getType()) ? "Condition list" : "PodTemplateSpec") + ")";
        if ("array".equals(p.getType()) && p.getItems() != null && p.getItems().getSchema() != null) {
            return "array of " + p.getItems().getSchema().getType();
        }
        if ("object".equals(p.getType()) && p.getProperties() == null && p.getAdditionalProperties() != null
                && p.getAdditionalProperties().getSchema() != null) {
            return "map of " + p.getAdditionalProperties().getSchema().getType();
        }
        return String.valueOf(p.getType());
    }

    private static String validation(JSONSchemaProps p, boolean required) {
        List<String> v = new ArrayList<>();
        if (required) v.add("required");
        if (p.getMinimum() != null) v.add((Boolean.TRUE.equals(p.getExclusiveMinimum()) ? "> " : ">= ") + number(p.getMinimum()));
        if (p.getMaximum() != null) v.add((Boolean.TRUE.equals(p.getExclusiveMaximum()) ? "< " : "<= ") + number(p.getMaximum()));
        if (p.getEnum() != null && !p.getEnum().isEmpty()) v.add("one of " + p.getEnum());
        if (p.getPattern() != null) v.add("pattern `" + p.getPattern() + "`");
        if (p.getXKubernetesValidations() != null) {
            for (ValidationRule r : p.getXKubernetesValidations()) v.add("`" + r.getRule().replace("|", "\\|") + "`");
        }
        return String.join("; ", v);
    }

    private static String number(double d) {
        return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
    }

    private static String cell(String s) {
        return s == null ? "" : s.replace("|", "\\|").replace("\n", " ");
    }

    private static String code(List<String> items) {
        return items == null || items.isEmpty() ? "none" : "`" + String.join("`, `", items) + "`";
    }
}
