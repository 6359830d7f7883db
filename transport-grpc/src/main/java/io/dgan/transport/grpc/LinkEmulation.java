package io.dgan.transport.grpc;

import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Network emulation in the application (netem is not available here): a fixed delay per message, added by the
 * receiver before a complete vector becomes visible, and a bandwidth limit on each node's egress (its NIC: one token
 * bucket shared by all the node's links, full duplex, receiving not limited), paced by the sender chunk by chunk
 * ({@link Pacer}). Together they give a vector of m bytes a transfer time of about α + m/bandwidth on top of the real
 * cost, and a node that sends m bytes to each of d peers d·m/bandwidth: the α–β model of algorithm.md
 * ({@code α + d·m·β} for gossip of degree d, {@code 2(M−1)(α + mβ/M)} for the ring all-reduce).
 *
 * @param latency         per-message delay α (zero: none)
 * @param bytesPerSecond  per-node egress bandwidth 1/β in bytes per second (0: unlimited)
 */
public record LinkEmulation(Duration latency, long bytesPerSecond) {
    public static final LinkEmulation NONE = new LinkEmulation(Duration.ZERO, 0);
    private static final Pattern RATE = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*([kmgt]?)(bit|bps|b|byte|bytes)?(/s)?");
    private static final Pattern TIME = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(ns|us|ms|s)?");

    public boolean active() {
        return !latency.isZero() || bytesPerSecond > 0;
    }

    /** Parses a bandwidth such as {@code 1gbit}, {@code 100mbit}, {@code 125MB} (bytes), {@code 0} (unlimited). */
    public static long parseBandwidth(String flag, String text) {
        Matcher m = RATE.matcher(text.trim().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw new IllegalArgumentException(flag + ": expected a bandwidth like 1gbit, 100mbit or 125MB, got '"
                    + text + "'");
        }
        double value = Double.parseDouble(m.group(1));
        double scale = switch (m.group(2)) {
            case "k" -> 1e3;
            case "m" -> 1e6;
            case "g" -> 1e9;
            case "t" -> 1e12;
            default -> 1;
        };
        String unit = m.group(3) == null ? "bit" : m.group(3);
        boolean bits = unit.equals("bit") || unit.equals("bps");
        return Math.round(value * scale / (bits ? 8 : 1));
    }

    /** Parses a delay such as {@code 50ms}, {@code 100us}, {@code 0.1s}. */
    public static Duration parseLatency(String flag, String text) {
        Matcher m = TIME.matcher(text.trim().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw new IllegalArgumentException(flag + ": expected a delay like 50ms, 100us or 0.1s, got '" + text + "'");
        }
        double value = Double.parseDouble(m.group(1));
        double nanos = switch (m.group(2) == null ? "ms" : m.group(2)) {
            case "ns" -> value;
            case "us" -> value * 1e3;
            case "s" -> value * 1e9;
            default -> value * 1e6;
        };
        return Duration.ofNanos(Math.round(nanos));
    }

    /** Paces one node's egress: each chunk may start only when the NIC would have finished sending the previous ones. */
    static final class Pacer {
        private final long bytesPerSecond;
        private long nextFree;

        Pacer(long bytesPerSecond) {
            this.bytesPerSecond = bytesPerSecond;
        }

        /** Blocks for as long as sending {@code bytes} more takes on this link. */
        void pace(long bytes) {
            if (bytesPerSecond <= 0) {
                return;
            }
            long wait;
            synchronized (this) {
                long now = System.nanoTime();
                long start = Math.max(now, nextFree);
                nextFree = start + (long) (bytes * 1e9 / bytesPerSecond);
                wait = nextFree - now;
            }
            if (wait > 0) {
                try {
                    Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new io.dgan.transport.TransportException("interrupted while pacing a send", e);
                }
            }
        }
    }
}
