package io.dgan.worker.cli;

import io.dgan.transport.grpc.bench.TransportBench;

import java.io.PrintWriter;
import java.util.Locale;
import java.util.Map;

/** The mutual-TLS figures of {@code dgan bench transport --compare-tls}, as text and in the JSON summary. */
final class BenchTransportTls {
    /** The TLS transport's ratio over the plaintext transport's ratio must stay within 20 %. */
    static final double TARGET = 0.8;

    private BenchTransportTls() {
    }

    static void put(Map<String, Object> out, TransportBench.TlsResult tls) {
        out.put("tlsSeconds", tls.seconds());
        out.put("tlsGBps", tls.gbps());
        out.put("tlsRatio", tls.ratio());
        out.put("tlsToPlaintext", tls.ratioToPlaintext());
        out.put("tlsToPlaintextPaired", tls.pairedRatioToPlaintext());
        out.put("tlsCpuSecondsPerGB", tls.cpuSecondsPerGB());
        out.put("tlsSamplesSeconds", tls.samples());
    }

    static void print(PrintWriter stdout, TransportBench.TlsResult tls) {
        stdout.printf(Locale.ROOT, "mTLS     %.3f GB/s  (median %.1f ms, %.2f CPU s/GB), ratio %.2f x raw TCP%n",
                tls.gbps(), tls.seconds() * 1e3, tls.cpuSecondsPerGB(), tls.ratio());
        stdout.printf(Locale.ROOT, "mTLS / plaintext  %.2f (medians; %.2f paired per repetition; target >= %.1f: "
                + "%s)%n", tls.ratioToPlaintext(), tls.pairedRatioToPlaintext(), TARGET,
                tls.ratioToPlaintext() >= TARGET ? "met" : "not met");
    }
}
