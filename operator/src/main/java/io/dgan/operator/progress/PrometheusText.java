package io.dgan.operator.progress;

import java.util.OptionalDouble;

/** The few lines of the Prometheus text exposition format the operator needs: the value of a metric, summed
 * over its label sets (a worker exports one series of each of these). */
public final class PrometheusText {
    private PrometheusText() {
    }

    public static OptionalDouble value(String exposition, String metric) {
        double sum = 0;
        boolean found = false;
        for (String line : exposition.split("\n")) {
            String l = line.strip();
            if (l.isEmpty() || l.startsWith("#") || !l.startsWith(metric)) continue;
            int nameEnd = metric.length();
            if (l.length() <= nameEnd) continue;
            char next = l.charAt(nameEnd);
            String rest;
            if (next == '{') {
                int close = l.indexOf('}', nameEnd);
                if (close < 0) continue;
                rest = l.substring(close + 1).strip();
            } else if (next == ' ' || next == '\t') {
                rest = l.substring(nameEnd).strip();
            } else {
                continue; // a longer metric name with this prefix
            }
            String[] parts = rest.split("\\s+");
            try {
                sum += Double.parseDouble(parts[0]);
                found = true;
            } catch (NumberFormatException e) {
                // NaN/Inf are parsed by parseDouble; anything else is not a sample line
            }
        }
        return found ? OptionalDouble.of(sum) : OptionalDouble.empty();
    }

    public static WorkerSample toSample(String exposition) {
        OptionalDouble steps = value(exposition, "dgan_worker_steps_total");
        if (steps.isEmpty()) return null;
        OptionalDouble distance = value(exposition, "dgan_consensus_distance");
        OptionalDouble fid = value(exposition, "dgan_eval_fid");
        return new WorkerSample((long) steps.getAsDouble(),
                distance.isPresent() ? distance.getAsDouble() : null,
                fid.isPresent() ? fid.getAsDouble() : null);
    }
}
