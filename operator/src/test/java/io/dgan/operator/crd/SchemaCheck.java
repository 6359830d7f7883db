package io.dgan.operator.crd;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cel.bundle.Cel;
import dev.cel.bundle.CelFactory;
import dev.cel.common.types.SimpleType;
import dev.cel.runtime.CelRuntime;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import io.fabric8.kubernetes.api.model.apiextensions.v1.ValidationRule;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The part of the API server's CRD validation this project relies on, run offline: required fields,
 * minimum/maximum (exclusive too), and x-kubernetes-validations CEL rules evaluated with Google's CEL for Java
 * (transition rules only on update, when the old value exists, as Kubernetes does). Not a full implementation
 * (no types, formats, enums, list rules, cost limits); it exists so tests can show that the CRD's own rules reject
 * what they are meant to.
 */
final class SchemaCheck {
    private static final Cel CEL = CelFactory.standardCelBuilder()
            .setStandardMacros(dev.cel.parser.CelStandardMacro.STANDARD_MACROS)
            .addVar("self", SimpleType.DYN).addVar("oldSelf", SimpleType.DYN).build();

    private SchemaCheck() {
    }

    /** Violations as "path: message", empty when the object would be admitted. */
    static List<String> violations(JSONSchemaProps schema, JsonNode object, JsonNode old) {
        List<String> out = new ArrayList<>();
        walk(schema, object, old, "", out);
        return out;
    }

    private static void walk(JSONSchemaProps schema, JsonNode value, JsonNode old, String path, List<String> out) {
        if (value == null || value.isNull()) return;
        if (value.isNumber()) {
            double v = value.asDouble();
            if (schema.getMinimum() != null && (Boolean.TRUE.equals(schema.getExclusiveMinimum())
                    ? v <= schema.getMinimum() : v < schema.getMinimum())) {
                out.add(path + ": should be " + (Boolean.TRUE.equals(schema.getExclusiveMinimum()) ? ">" : ">=")
                        + " " + schema.getMinimum());
            }
            if (schema.getMaximum() != null && (Boolean.TRUE.equals(schema.getExclusiveMaximum())
                    ? v >= schema.getMaximum() : v > schema.getMaximum())) {
                out.add(path + ": should be " + (Boolean.TRUE.equals(schema.getExclusiveMaximum()) ? "<" : "<=")
                        + " " + schema.getMaximum());
            }
        }
        if (value.isTextual()) {
            String text = value.asText();
            if (schema.getPattern() != null && !java.util.regex.Pattern.compile(schema.getPattern()).matcher(text).find()) {
                out.add(path + ": should match '" + schema.getPattern() + "'");
            }
            if (schema.getMaxLength() != null && text.length() > schema.getMaxLength()) {
                out.add(path + ": may not be longer than " + schema.getMaxLength());
            }
        }
        if (value.isObject() && schema.getProperties() != null) {
            if (schema.getRequired() != null) {
                for (String r : schema.getRequired()) {
                    if (!value.has(r)) out.add(path + "." + r + ": Required value");
                }
            }
            for (Map.Entry<String, JSONSchemaProps> p : schema.getProperties().entrySet()) {
                walk(p.getValue(), value.get(p.getKey()), old == null ? null : old.get(p.getKey()),
                        path + "." + p.getKey(), out);
            }
        }
        if (schema.getXKubernetesValidations() != null) {
            for (ValidationRule rule : schema.getXKubernetesValidations()) {
                boolean transition = rule.getRule().contains("oldSelf");
                if (transition && (old == null || old.isNull())) continue;
                if (!evaluate(rule.getRule(), value, transition ? old : null)) {
                    out.add(path + ": " + rule.getMessage());
                }
            }
        }
    }

    private static boolean evaluate(String rule, JsonNode self, JsonNode oldSelf) {
        try {
            CelRuntime.Program program = CEL.createProgram(CEL.compile(rule).getAst());
            Map<String, Object> vars = new LinkedHashMap<>();
            vars.put("self", toCel(self));
            if (oldSelf != null) vars.put("oldSelf", toCel(oldSelf));
            Object result = program.eval(name -> Optional.ofNullable(vars.get(name)));
            return Boolean.TRUE.equals(result);
        } catch (Exception e) {
            throw new IllegalStateException("CEL rule '" + rule + "': " + e.getMessage(), e);
        }
    }

    /** JSON to CEL's Java values: integers are int64 (Long), objects maps, arrays lists. */
    private static Object toCel(JsonNode n) {
        if (n.isObject()) {
            Map<String, Object> m = new LinkedHashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                m.put(e.getKey(), toCel(e.getValue()));
            }
            return m;
        }
        if (n.isArray()) {
            List<Object> l = new ArrayList<>();
            n.forEach(x -> l.add(toCel(x)));
            return l;
        }
        if (n.isIntegralNumber()) return n.asLong();
        if (n.isNumber()) return n.asDouble();
        if (n.isBoolean()) return n.asBoolean();
        return n.asText();
    }
}
