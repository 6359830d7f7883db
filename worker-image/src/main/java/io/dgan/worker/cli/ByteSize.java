package io.dgan.worker.cli;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parses sizes such as {@code 40MiB}, {@code 9MB}, {@code 512KiB}, {@code 1GiB} or a plain byte count. */
public final class ByteSize {
    private static final Pattern SIZE = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*([kmg]i?b?|b)?");

    private ByteSize() {
    }

    public static long parse(String flag, String text) {
        Matcher m = SIZE.matcher(text.trim().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw new IllegalArgumentException(flag + ": expected a size like 40MiB, 9MB or 1048576, got '" + text + "'");
        }
        double value = Double.parseDouble(m.group(1));
        String unit = m.group(2) == null ? "b" : m.group(2);
        double factor = switch (unit) {
            case "b" -> 1;
            case "k", "kb" -> 1e3;
            case "ki", "kib" -> 1024;
            case "m", "mb" -> 1e6;
            case "mi", "mib" -> 1024 * 1024;
            case "g", "gb" -> 1e9;
            case "gi", "gib" -> 1024 * 1024 * 1024;
            default -> throw new IllegalArgumentException(flag + ": unknown unit in '" + text + "'");
        };
        return Math.round(value * factor);
    }
}
