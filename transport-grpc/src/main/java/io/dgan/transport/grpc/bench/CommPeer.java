package io.dgan.transport.grpc.bench;

import io.dgan.transport.grpc.GrpcTransport;
import io.dgan.transport.grpc.LinkEmulation;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * One rank of {@code dgan bench comm} as its own JVM. Talks to the launcher over stdin/stdout: prints {@code ready}
 * and waits for a {@code go} line at every barrier, prints {@code time <pattern> <rep> <seconds>} after each timed
 * pattern (rep −1 is the warm-up) and {@code done} at the end.
 */
public final class CommPeer {
    private CommPeer() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> a = new HashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            a.put(args[i].replaceFirst("^--", ""), args[i + 1]);
        }
        int rank = Integer.parseInt(a.get("rank"));
        int m = Integer.parseInt(a.get("workers"));
        String[] p = a.get("ports").split(",");
        int[] ports = new int[p.length];
        for (int i = 0; i < p.length; i++) {
            ports[i] = Integer.parseInt(p[i]);
        }
        int floats = Integer.parseInt(a.get("floats"));
        int reps = Integer.parseInt(a.get("reps"));
        LinkEmulation emulation = new LinkEmulation(Duration.ofNanos(Long.parseLong(a.get("latency-ns"))),
                Long.parseLong(a.get("bandwidth")));
        PrintStream out = System.out;
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.US_ASCII));
        try (GrpcTransport t = CommBench.transport(rank, m, ports, floats, emulation,
                msg -> System.err.println("[comm rank " + rank + "] " + msg))) {
            CommBench.runRank(t, floats, reps, () -> {
                out.println("ready");
                out.flush();
                String line = in.readLine();
                if (!"go".equals(line)) {
                    throw new IllegalStateException("comm bench rank " + rank + ": launcher went away");
                }
            }, (pattern, rep, seconds) -> out.println(String.format(Locale.ROOT, "time %s %d %.9f", pattern, rep,
                    seconds)));
        }
        out.println("done");
        out.flush();
    }
}
