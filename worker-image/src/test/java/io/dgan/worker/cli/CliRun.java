package io.dgan.worker.cli;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.PrintWriter;
import java.io.StringWriter;

/** Runs the real CLI in-process with stdout and stderr captured. */
record CliRun(int exitCode, String out, String err) {
    private static final ObjectMapper STRICT = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    static CliRun of(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = DganCli.newCommandLine()
                .setOut(new PrintWriter(out, true))
                .setErr(new PrintWriter(err, true))
                .execute(args);
        return new CliRun(code, out.toString(), err.toString());
    }

    /** Parses stdout as exactly one JSON object (trailing output fails). */
    JsonNode json() {
        try {
            JsonNode node = STRICT.readTree(out);
            if (!node.isObject()) {
                throw new AssertionError("stdout is not a JSON object: " + out);
            }
            return node;
        } catch (java.io.IOException e) {
            throw new AssertionError("stdout is not one JSON object: " + out, e);
        }
    }
}
