package io.dgan.worker.experiment;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class ProjectionTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path out;

    @Test
    void theAlphaBetaModelOfGossipAndOfTwoRingAllReduces() {
        Projection p = new Projection(0.1, 1_000_000, 1, 0);
        double alpha = 0.05;
        double rate = 125_000_000;  // 1 Gbit/s
        // Ring gossip: α + 2Pβ.
        assertThat(p.communicationSeconds("dp-oadam", 8, alpha, rate)).isCloseTo(0.05 + 2e6 / rate, within(1e-12));
        // CP-OAdam: all-reduce of G, then of D: 4(M-1)α + 2(M-1)/M Pβ.
        assertThat(p.communicationSeconds("cp-oadam", 8, alpha, rate))
                .isCloseTo(28 * 0.05 + 2.0 * 7 / 8 * 1e6 / rate, within(1e-12));
        assertThat(p.iterationSeconds("cp-oadam", 8, alpha, rate))
                .isCloseTo(0.1 + p.communicationSeconds("cp-oadam", 8, alpha, rate), within(1e-12));
        assertThat(new Projection(0, 1_000_000, 2, 0).communicationSeconds("rand-dp-oadam", 8, alpha, rate))
                .isCloseTo(2 * (0.05 + 2e6 / rate), within(1e-12));
        // Sync points every 10 iterations: four ring all-reduces (losses, the average of G and of D, the distance).
        Projection logged = new Projection(0.1, 1_000_000, 1, 10);
        assertThat(logged.syncSeconds(8, alpha, rate)).isCloseTo((8 * 7 * 0.05 + 2.0 * 7 / 8 * 1e6 / rate) / 10,
                within(1e-12));
        assertThat(logged.communicationSeconds("dp-oadam", 8, alpha, rate)).isCloseTo(
                p.communicationSeconds("dp-oadam", 8, alpha, rate) + logged.syncSeconds(8, alpha, rate), within(1e-12));
        assertThat(logged.syncSeconds(1, alpha, rate)).isZero();
    }

    @Test
    void theCheckComparesTheModelWithTheMeasuredLatencyCostAndTheProjectionScalesIterationsToQuality()
            throws IOException {
        ExperimentSpec spec = ExperimentSpec.parse("""
                name: projection
                train: {workers: 2}
                grids:
                  - train: {in-process: true, iterations: 300, eval-every: 100}
                    grid: {algorithm: [dp-oadam, cp-oadam], seed: [0]}
                  - train: {iterations: 50, eval-every: 0}
                    grid: {algorithm: [dp-oadam, cp-oadam], seed: [0], emulate-latency: [0ms, 50ms]}
                    timing: true
                compare: {metric: fid, reference: {algorithm: cp-oadam}}
                projection:
                  workers: [8, 1024]
                  latency: [1ms, 100ms]
                  bandwidth: [10gbit]
                  models: [{name: small, parameters: 1000000, compute-ms: 100}]
                """);
        Map<String, PlannedRun> runs = new LinkedHashMap<>();
        spec.runs().forEach(r -> runs.put(r.id(), r));
        Path dir = out.resolve("runs");
        evaluated(dir, runs.get("g0_algorithm-dp-oadam_seed-0"), new double[]{20, 12, 9});
        evaluated(dir, runs.get("g0_algorithm-cp-oadam_seed-0"), new double[]{18, 11, 10});
        timing(dir, runs.get("g1_algorithm-dp-oadam_seed-0_emulate-latency-0ms"), 100);
        timing(dir, runs.get("g1_algorithm-dp-oadam_seed-0_emulate-latency-50ms"), 140);
        timing(dir, runs.get("g1_algorithm-cp-oadam_seed-0_emulate-latency-0ms"), 100);
        timing(dir, runs.get("g1_algorithm-cp-oadam_seed-0_emulate-latency-50ms"), 310);

        ExperimentReport report = ExperimentReport.build(spec, dir);
        ProjectionReport projection = new ProjectionReport(report, spec);
        // dp-oadam reaches cp-oadam's final fid (10) at 300; cp-oadam's own final evaluation is at 300 too.
        assertThat(projection.iterationsToTarget()).containsEntry("dp-oadam", 300.0).containsEntry("cp-oadam", 300.0);
        assertThat(projection.lowerBounds()).isEmpty();

        List<Map<String, Object>> check = projection.check();
        assertThat(check).hasSize(2);
        Map<String, Object> dp = check.get(0);
        assertThat(dp.get("algorithm")).isEqualTo("dp-oadam");
        // One α per gossip round, and 8(M-1)α per sync point every 10 iterations (dgan train's default --log-every).
        assertThat((Double) dp.get("modelAddedMs")).isCloseTo(50.0 + 40, within(1e-9));
        assertThat((Double) dp.get("error")).isCloseTo((190.0 - 140) / 140, within(1e-9));
        Map<String, Object> cp = check.get(1);
        assertThat((Double) cp.get("modelAddedMs")).isCloseTo(200.0 + 40, within(1e-9));   // 4(M-1)α at M = 2
        assertThat((Double) cp.get("error")).isCloseTo((340.0 - 310) / 310, within(1e-9));

        Map<String, Object> doc = report.write(out);
        @SuppressWarnings("unchecked")
        Map<String, Object> p = (Map<String, Object>) doc.get("projection");
        assertThat((Double) p.get("checkMaxAbsError")).isCloseTo(50.0 / 140, within(1e-9));
        List<String> rows = Files.readAllLines(out.resolve("projection.csv"));
        assertThat(rows).hasSize(1 + 2 * 2 * 2);  // algorithms x workers x latencies, one model and bandwidth
        assertThat(rows.get(0)).startsWith("model,parameters,computeMs,algorithm,workers,latency,bandwidth");
        // cp-oadam at 1024 workers and 100 ms: 4 x 1023 x 0.1 s of latency per iteration dominates.
        String cp1024 = rows.stream().filter(r -> r.contains(",cp-oadam,1024,100ms,")).findFirst().orElseThrow();
        assertThat(cp1024).contains(",1.00000");  // its own ratio
        String dp1024 = rows.stream().filter(r -> r.contains(",dp-oadam,1024,100ms,")).findFirst().orElseThrow();
        int ratioColumn = List.of(rows.get(0).split(",")).indexOf("ratio");
        double ratio = Double.parseDouble(dp1024.split(",")[ratioColumn]);
        assertThat(dp1024).endsWith(",false");  // reached: not a lower bound
        double sync = (8 * 1023 * 0.1 + 2.0 * 1023 / 1024 * 4e6 / 1.25e9) / 100;  // projection.log-every: 100
        double dpIter = 0.1 + 0.1 + 2 * 4e6 / 1.25e9 + sync;
        double cpIter = 0.1 + 4 * 1023 * 0.1 + 2.0 * 1023 / 1024 * 4e6 / 1.25e9 + sync;
        assertThat(ratio).isCloseTo(dpIter / cpIter, within(1e-4 * ratio));
        assertThat(out.resolve("projection-check.csv")).isNotEmptyFile();
        assertThat(out.resolve("plots").resolve("projection-small-10gbit.png")).isNotEmptyFile();
    }

    @Test
    void anAlgorithmThatNeverReachesTheTargetIsProjectedAsALowerBound() throws IOException {
        ExperimentSpec spec = ExperimentSpec.parse("""
                name: bound
                train: {workers: 2, in-process: true}
                grid: {algorithm: [dp-oadam, cp-oadam]}
                compare: {metric: fid, reference: {algorithm: cp-oadam}}
                projection: {workers: [8], latency: [1ms], bandwidth: [1gbit],
                             models: [{name: m, parameters: 1000, compute-ms: 1}]}
                """);
        List<PlannedRun> runs = spec.runs();
        Path dir = out.resolve("runs");
        evaluated(dir, runs.get(0), new double[]{20, 15, 12});
        evaluated(dir, runs.get(1), new double[]{18, 11, 10});
        ProjectionReport projection = new ProjectionReport(ExperimentReport.build(spec, dir), spec);
        assertThat(projection.iterationsToTarget()).containsEntry("dp-oadam", 300.0);
        assertThat(projection.lowerBounds()).containsExactly("dp-oadam");
    }

    @Test
    void theParametersOfTheShippedModelsAreCountedFromTheModel() {
        assertThat(ProjectionReport.countParameters("mlp", "ring8")).isPositive();
        assertThat(ProjectionReport.countParameters("dcgan", "cifar10"))
                .isGreaterThan(ProjectionReport.countParameters("dcgan", "fashion-mnist"));
    }

    private static void evaluated(Path runs, PlannedRun run, double[] fid) throws IOException {
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < fid.length; i++) {
            lines.add("{\"iteration\":" + 100 * (i + 1) + ",\"elapsedS\":" + (i + 1) + ",\"consensus\":0.1,"
                    + "\"iterMs\":10,\"fid\":" + fid[i] + "}");
        }
        write(runs, run, lines);
    }

    private static void timing(Path runs, PlannedRun run, double msPerIter) throws IOException {
        List<String> lines = new ArrayList<>();
        for (int k = 10; k <= 50; k += 10) {
            lines.add("{\"iteration\":" + k + ",\"elapsedS\":" + k * msPerIter / 1000 + ",\"consensus\":0.1,"
                    + "\"iterMs\":" + (k == 10 ? 900 : msPerIter) + "}");
        }
        write(runs, run, lines);
    }

    private static void write(Path runs, PlannedRun run, List<String> lines) throws IOException {
        Path dir = runs.resolve(run.id());
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("metrics.jsonl"), String.join("\n", lines) + "\n");
        Files.writeString(dir.resolve("summary.json"), "{\"wallSeconds\":1,\"iterationSplit\":{\"iterMs\":1}}");
        Files.write(dir.resolve("params-rank0.f32"), new byte[4000]);
        Files.writeString(dir.resolve(ExperimentRunner.MARKER),
                JSON.writeValueAsString(Map.of("id", run.id(), "args", run.trainArgs())));
    }
}
