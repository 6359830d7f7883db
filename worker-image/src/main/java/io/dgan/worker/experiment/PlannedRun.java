package io.dgan.worker.experiment;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One run of an experiment: its id (also its directory name), its grid point and every dgan train flag it gets.
 *
 * @param point the grid's values for this run, in grid order
 * @param flags every flag: the spec's train flags with the point on top
 * @param timing whether the run measures time only (a {@code timing: true} block): its quality curve is another
 *               run's
 */
public record PlannedRun(String id, Map<String, String> point, Map<String, String> flags, boolean timing) {
    /** dgan train's arguments for the flags ({@code true}: the switch alone, {@code false}: left out). */
    public List<String> trainArgs() {
        List<String> args = new ArrayList<>();
        flags.forEach((flag, value) -> {
            if (value.equalsIgnoreCase("true")) {
                args.add("--" + flag);
            } else if (!value.equalsIgnoreCase("false")) {
                args.add("--" + flag);
                args.add(value);
            }
        });
        return args;
    }

    /** A readable id from the grid point: flag-value pairs joined by '_', characters outside [A-Za-z0-9.-] as '-'. */
    static String idOf(int block, Map<String, String> point) {
        StringBuilder id = new StringBuilder(block >= 0 ? "g" + block : "");
        point.forEach((flag, value) -> {
            if (!id.isEmpty()) {
                id.append('_');
            }
            id.append(flag).append('-').append(value.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9.-]", "-"));
        });
        return id.isEmpty() ? "run" : id.toString();
    }
}
