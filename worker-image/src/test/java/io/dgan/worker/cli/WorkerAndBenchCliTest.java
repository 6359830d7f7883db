package io.dgan.worker.cli;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;

import static org.assertj.core.api.Assertions.assertThat;

class WorkerAndBenchCliTest {
    private record Run(int code, String out, String err) {
    }

    private static Run run(String... args) {
        CommandLine cli = DganCli.newCommandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int code = cli.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void workerRejectsBadConfigurationWithOneLineNamingTheFlag() {
        Run noPeers = run("worker", "--rank", "0", "--workers", "2", "--metrics-port", "0");
        assertThat(noPeers.code()).isEqualTo(2);
        assertThat(noPeers.err()).contains("--peers").hasLineCount(1);

        Run badRank = run("worker", "--rank", "5", "--workers", "2", "--peers", "a:1,b:2");
        assertThat(badRank.code()).isEqualTo(2);
        assertThat(badRank.err()).contains("--rank").contains("0..1");

        Run badPeers = run("worker", "--rank", "0", "--workers", "3", "--peers", "a:1,b:2");
        assertThat(badPeers.code()).isEqualTo(2);
        assertThat(badPeers.err()).contains("--peers: expected 3");

        Run badGameFlag = run("worker", "--rank", "0", "--workers", "2", "--peers", "a:1,b:2", "--dim", "0");
        assertThat(badGameFlag.code()).isEqualTo(2);
        assertThat(badGameFlag.err()).contains("--dim");

        Run badEmulation = run("worker", "--rank", "0", "--workers", "2", "--peers", "a:1,b:2",
                "--emulate-bandwidth", "fast");
        assertThat(badEmulation.code()).isEqualTo(2);
        assertThat(badEmulation.err()).contains("--emulate-bandwidth");

        Run badWire = run("worker", "--rank", "0", "--workers", "2", "--peers", "a:1,b:2", "--wire", "fp8");
        assertThat(badWire.code()).isEqualTo(2);
        assertThat(badWire.err()).contains("--wire");

        Run badTimeout = run("worker", "--rank", "0", "--workers", "2", "--peers", "a:1,b:2", "--receive-timeout", "0");
        assertThat(badTimeout.code()).isEqualTo(2);
        assertThat(badTimeout.err()).contains("--receive-timeout: expected a positive number of seconds")
                .contains("DGAN_RECEIVE_TIMEOUT_SECONDS").hasLineCount(1);
        Run notATimeout = run("worker", "--rank", "0", "--workers", "2", "--peers", "a:1,b:2", "--receive-timeout",
                "soon");
        assertThat(notATimeout.code()).isEqualTo(2);
        assertThat(notATimeout.err()).contains("--receive-timeout").hasLineCount(1);
    }

    @Test
    void gossipNeedsTlsCredentialsOrAnExplicitPlaintextFlag(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) {
        Run none = run("worker", "--rank", "0", "--workers", "2", "--peers", "a:1,b:2", "--metrics-port", "0");
        assertThat(none.code()).isEqualTo(2);
        assertThat(none.err()).startsWith("dgan worker: --tls-dir: gossip needs mutual TLS").contains("--insecure-plaintext")
                .hasLineCount(1);

        Run missingDir = run("worker", "--rank", "0", "--workers", "2", "--peers", "a:1,b:2", "--tls-dir",
                dir.resolve("nope").toString());
        assertThat(missingDir.code()).isEqualTo(2);
        assertThat(missingDir.err()).contains("--tls-dir").contains("is not a directory").hasLineCount(1);

        Run half = run("worker", "--rank", "0", "--workers", "2", "--peers", "a:1,b:2", "--tls-cert",
                dir.resolve("tls.crt").toString());
        assertThat(half.code()).isEqualTo(2);
        assertThat(half.err()).contains("--tls-key: required").hasLineCount(1);

        // A certificate for another rank than the worker's is refused at start.
        io.dgan.transport.grpc.tls.GossipCertificates.newAuthority("dgan").issue(1, java.util.List.of())
                .writeTo(dir.resolve("rank-1"));
        Run wrongRank = run("worker", "--rank", "0", "--workers", "2", "--peers", "a:1,b:2", "--tls-dir",
                dir.resolve("rank-1").toString());
        assertThat(wrongRank.code()).isEqualTo(2);
        assertThat(wrongRank.err()).contains("--tls-dir").contains("dgan://dgan/rank/1").hasLineCount(1);

        // A key of another certificate, and a CA file that is no certificate: one line naming the file.
        var ca = io.dgan.transport.grpc.tls.GossipCertificates.newAuthority("dgan");
        java.nio.file.Path mixed = dir.resolve("mixed");
        ca.issue(0, java.util.List.of()).writeTo(mixed);
        try {
            java.nio.file.Files.writeString(mixed.resolve("tls.key"), ca.issue(0, java.util.List.of()).privateKeyPem());
            Run foreignKey = run("worker", "--rank", "0", "--workers", "2", "--peers", "a:1,b:2", "--tls-dir",
                    mixed.toString());
            assertThat(foreignKey.code()).isEqualTo(2);
            assertThat(foreignKey.err()).contains("--tls-key: the private key (" + mixed.resolve("tls.key"))
                    .contains("does not belong to the certificate").hasLineCount(1);
            ca.issue(0, java.util.List.of()).writeTo(mixed);
            java.nio.file.Files.writeString(mixed.resolve("ca.crt"), "not a certificate\n");
            Run badCa = run("worker", "--rank", "0", "--workers", "2", "--peers", "a:1,b:2", "--tls-dir",
                    mixed.toString());
            assertThat(badCa.code()).isEqualTo(2);
            assertThat(badCa.err()).contains("--tls-ca: CA certificate (" + mixed.resolve("ca.crt")).hasLineCount(1);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void aBadTopologyFileIsReportedNamingTheFileAndTheProblem(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        java.nio.file.Path wrongSize = dir.resolve("topology.json");
        java.nio.file.Files.writeString(wrongSize, "{\"epoch\":1,\"type\":\"ring\",\"workers\":3,"
                + "\"weights\":[[0.34,0.33,0.33],[0.33,0.34,0.33],[0.33,0.33,0.34]]}");
        Run mismatch = run("worker", "--rank", "0", "--workers", "2", "--peers", "a:1,b:2", "--topology-file",
                wrongSize.toString());
        assertThat(mismatch.code()).isEqualTo(2);
        assertThat(mismatch.err()).contains("--topology-file").contains("3 workers").contains("--workers is 2");

        java.nio.file.Path noWeights = dir.resolve("no-weights.json");
        java.nio.file.Files.writeString(noWeights, "{\"epoch\":1,\"type\":\"ring\",\"workers\":2}");
        Run missing = run("worker", "--rank", "0", "--workers", "2", "--peers", "a:1,b:2", "--topology-file",
                noWeights.toString());
        assertThat(missing.code()).isEqualTo(2);
        assertThat(missing.err()).contains("--topology-file").contains("no-weights.json").contains("'weights'");

        java.nio.file.Path notStochastic = dir.resolve("bad-w.json");
        java.nio.file.Files.writeString(notStochastic, "{\"epoch\":1,\"type\":\"ring\",\"workers\":2,"
                + "\"weights\":[[0.9,0.9],[0.9,0.9]]}");
        Run bad = run("worker", "--rank", "0", "--workers", "2", "--peers", "a:1,b:2", "--topology-file",
                notStochastic.toString());
        assertThat(bad.code()).isEqualTo(2);
        assertThat(bad.err()).contains("--topology-file").hasLineCount(1);
    }

    @Test
    void aSingleWorkerRunsWithoutPeers() {
        Run single = run("worker", "--rank", "0", "--workers", "1", "--metrics-port", "0", "--iterations", "5",
                "--dim", "3", "--json");
        assertThat(single.code()).as(single.err()).isZero();
        JsonNode summary = parse(single.out());
        assertThat(summary.path("iterations").asLong()).isEqualTo(5);
        assertThat(summary.path("rank").asInt()).isZero();
    }

    @Test
    void benchTransportPrintsOneJsonObjectWithBothThroughputsAndTheirRatio() {
        Run bench = run("bench", "transport", "--size", "1MiB", "--reps", "3", "--warmup", "1", "--json");
        assertThat(bench.code()).as(bench.err()).isZero();
        JsonNode r = parse(bench.out());
        assertThat(r.path("bytes").asLong()).isEqualTo(1 << 20);
        assertThat(r.path("grpcGBps").asDouble()).isPositive();
        assertThat(r.path("tcpGBps").asDouble()).isPositive();
        assertThat(r.path("ratio").asDouble())
                .isCloseTo(r.path("grpcGBps").asDouble() / r.path("tcpGBps").asDouble(),
                        org.assertj.core.data.Offset.offset(1e-9));
        assertThat(r.path("grpcSamplesSeconds")).hasSize(3);

        Run badSize = run("bench", "transport", "--size", "3B");
        assertThat(badSize.code()).isEqualTo(2);
        assertThat(badSize.err()).contains("--size");
    }

    @Test
    void benchTransportComparesMutualTlsWithPlaintextInTheSameRun() {
        Run bench = run("bench", "transport", "--size", "1MiB", "--reps", "3", "--warmup", "1", "--max-warmup", "1",
                "--compare-tls", "--json");
        assertThat(bench.code()).as(bench.err()).isZero();
        JsonNode r = parse(bench.out());
        assertThat(r.path("tlsGBps").asDouble()).isPositive();
        assertThat(r.path("tlsSamplesSeconds")).hasSize(3);
        assertThat(r.path("tlsRatio").asDouble()).isCloseTo(r.path("tlsGBps").asDouble() / r.path("tcpGBps").asDouble(),
                org.assertj.core.data.Offset.offset(1e-9));
        assertThat(r.path("tlsToPlaintext").asDouble()).isCloseTo(r.path("tlsRatio").asDouble()
                / r.path("ratio").asDouble(), org.assertj.core.data.Offset.offset(1e-9));
        assertThat(r.path("tlsToPlaintextPaired").asDouble()).isPositive();

        Run text = run("bench", "transport", "--size", "256KiB", "--reps", "2", "--warmup", "1", "--max-warmup", "1",
                "--compare-tls");
        assertThat(text.code()).as(text.err()).isZero();
        assertThat(text.out()).contains("mTLS     ").contains("mTLS / plaintext  ");
        Run both = run("bench", "transport", "--tls", "--compare-tls");
        assertThat(both.code()).isEqualTo(2);
        assertThat(both.err()).contains("--compare-tls: compares plaintext with mutual TLS: leave out --tls");
    }

    @Test
    void benchCommComparesThePatternsToTheModel() {
        Run comm = run("bench", "comm", "--workers", "4", "--payload", "64KB", "--emulate-latency", "20ms",
                "--emulate-bandwidth", "100mbit", "--reps", "2", "--json");
        assertThat(comm.code()).as(comm.err()).isZero();
        JsonNode r = parse(comm.out());
        assertThat(r.path("patterns")).hasSize(3);
        for (JsonNode p : r.path("patterns")) {
            // Emulation adds at least the modelled time (the model leaves the real cost out).
            assertThat(p.path("measuredSeconds").asDouble()).isGreaterThanOrEqualTo(p.path("modelSeconds").asDouble() * 0.95);
        }
        assertThat(r.path("patterns").get(2).path("modelSeconds").asDouble()).as("all-reduce: 6 alphas")
                .isGreaterThan(0.12);
        Run notPowerOfTwo = run("bench", "comm", "--workers", "6");
        assertThat(notPowerOfTwo.code()).isEqualTo(2);
        assertThat(notPowerOfTwo.err()).contains("--workers");
    }

    private static JsonNode parse(String stdout) {
        try {
            assertThat(stdout.strip()).doesNotContain("\n");
            return JsonOutput.mapper().readTree(stdout);
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }
}
