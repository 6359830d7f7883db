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

/** The report from run directories written here by hand, so that every figure it derives is known exactly. */
class ExperimentReportTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ExperimentSpec SPEC = ExperimentSpec.parse("""
            name: report
            train: {workers: 2}
            grids:
              - train: {iterations: 300, eval-every: 100}
                grid: {algorithm: [dp-oadam, cp-oadam], seed: [0, 1]}
              - train: {iterations: 50, eval-every: 0}
                grid: {algorithm: [dp-oadam, cp-oadam], seed: [0], emulate-latency: [50ms]}
                timing: true
            compare: {metric: fid, reference: {algorithm: cp-oadam}}
            """);

    @TempDir
    Path out;

    @Test
    void timesToTheReferencesQualityAreMeasuredOrEstimatedFromTheCurveOfTheSameRunWithoutEmulation()
            throws IOException {
        Map<String, PlannedRun> runs = new LinkedHashMap<>();
        SPEC.runs().forEach(r -> runs.put(r.id(), r));
        Path dir = out.resolve("runs");
        // fid at iterations 100, 200, 300; elapsed 10, 20, 30 s with evaluations of 1 s: training 10, 19, 28 s.
        evaluated(dir, runs.get("g0_algorithm-cp-oadam_seed-0"), new double[]{30, 20, 10}, 10);
        evaluated(dir, runs.get("g0_algorithm-cp-oadam_seed-1"), new double[]{28, 18, 12}, 10);
        // elapsed 5, 10, 15 s: training 5, 9, 13 s.
        evaluated(dir, runs.get("g0_algorithm-dp-oadam_seed-0"), new double[]{25, 11, 9}, 5);
        evaluated(dir, runs.get("g0_algorithm-dp-oadam_seed-1"), new double[]{25, 15, 12}, 5);
        timing(dir, runs.get("g1_algorithm-dp-oadam_seed-0_emulate-latency-50ms"), 100);
        timing(dir, runs.get("g1_algorithm-cp-oadam_seed-0_emulate-latency-50ms"), 400);

        ExperimentReport report = ExperimentReport.build(SPEC, dir);
        Map<String, RunResult> byId = new LinkedHashMap<>();
        report.results().forEach(r -> byId.put(r.run().id(), r));

        // Reference: cp-oadam over both seeds, final fid 10 and 12 -> target 11; 28 s of training each.
        RunResult dp0 = byId.get("g0_algorithm-dp-oadam_seed-0");
        assertThat(dp0.status()).isEqualTo("done");
        assertThat(dp0.target()).isEqualTo(11.0);
        assertThat(dp0.referenceTime()).isEqualTo(28.0);
        assertThat(dp0.timeToTarget()).isEqualTo(9.0);  // fid 11 at iteration 200
        assertThat(dp0.ratio()).isCloseTo(9.0 / 28, within(1e-12));
        assertThat(dp0.estimated()).isFalse();
        assertThat(byId.get("g0_algorithm-dp-oadam_seed-1").timeToTarget()).isNull();  // 12 never reaches 11
        assertThat(byId.get("g0_algorithm-cp-oadam_seed-0").timeToTarget()).isEqualTo(28.0);

        // The timing runs borrow the curve of their run without emulation; time = iteration x steady ms/iteration.
        RunResult dpSlow = byId.get("g1_algorithm-dp-oadam_seed-0_emulate-latency-50ms");
        assertThat(dpSlow.qualityFrom()).isEqualTo("g0_algorithm-dp-oadam_seed-0");
        assertThat(dpSlow.estimated()).isTrue();
        assertThat(dpSlow.record().steadyIterMs()).isEqualTo(100.0);  // the warm-up record is left out
        // Its target is its curve's run's (cp-oadam over both seeds: 11); the reference time is the cp-oadam timing
        // run's (seed 0 only): its curve's final evaluation at 300 x 0.4 s = 120 s.
        assertThat(dpSlow.target()).isEqualTo(11.0);
        assertThat(dpSlow.referenceTime()).isCloseTo(120.0, within(1e-9));
        assertThat(dpSlow.timeToTarget()).isCloseTo(20.0, within(1e-9));  // fid 11 first at 200 x 0.1 s
        assertThat(dpSlow.ratio()).isCloseTo(20.0 / 120, within(1e-9));
        RunResult cpSlow = byId.get("g1_algorithm-cp-oadam_seed-0_emulate-latency-50ms");
        assertThat(cpSlow.timeToTarget()).isCloseTo(120.0, within(1e-9));  // fid 10 <= 11 first at 300

        List<Map<String, Object>> groups = report.groupRows();
        assertThat(groups).extracting(g -> g.get("group")).containsExactly(
                "algorithm=dp-oadam emulate-latency=none", "algorithm=cp-oadam emulate-latency=none",
                "algorithm=dp-oadam emulate-latency=50ms", "algorithm=cp-oadam emulate-latency=50ms");
        Map<String, Object> dp = groups.get(0);
        assertThat(dp.get("done")).isEqualTo(2);
        assertThat((Double) dp.get("fidMean")).isCloseTo(10.5, within(1e-12));
        assertThat((Double) dp.get("fidStd")).isCloseTo(Math.sqrt(4.5), within(1e-12));
        assertThat(dp.get("reached")).isEqualTo(1);
        assertThat((Double) dp.get("ratio")).isCloseTo(9.0 / 28, within(1e-12));
        assertThat(groups.get(2).get("estimated")).isEqualTo(true);
        assertThat(groups.get(2).get("timing")).isEqualTo(true);
        assertThat(groups.get(0).get("timing")).isEqualTo(false);

        // The timing groups' curves are their quality runs' against iterations: drawn against time only.
        io.dgan.evaluation.Curves[] fid = new ExperimentPlots(report).qualityCurves("fid");
        assertThat(fid[0].seriesCount()).as("fid against iterations: the two groups without emulation").isEqualTo(2);
        assertThat(fid[1].seriesCount()).as("fid against time: all four groups").isEqualTo(4);
        assertThat(fid[1].points("algorithm=dp-oadam emulate-latency=50ms *")).isEqualTo(3);
        assertThat(fid[0].points("algorithm=dp-oadam")).as("the legend leaves emulate-latency=none out").isEqualTo(3);

        Map<String, Object> doc = report.write(out);
        List<String> csv = Files.readAllLines(out.resolve("results.csv"));
        assertThat(csv).hasSize(7);
        assertThat(csv.get(0)).startsWith("id,iterations,eval-every,algorithm,seed,emulate-latency,status");
        assertThat(csv.get(1)).startsWith("g0_algorithm-dp-oadam_seed-0,300,100,dp-oadam,0,,done,");
        assertThat(Files.readAllLines(out.resolve("groups.csv"))).hasSize(5);
        assertThat(JSON.readTree(out.resolve("results.json").toFile()).path("runs").size()).isEqualTo(6);
        assertThat(doc).containsKeys("name", "compare", "runs", "groups");
        for (String plot : List.of("fid-vs-iteration.png", "fid-vs-time.png", "consensus.png",
                "iteration-split.png")) {
            assertThat(out.resolve("plots").resolve(plot)).isNotEmptyFile();
        }
    }

    /** Legends leave out the flags a group does not set; a group that sets none keeps its whole label. */
    @Test
    void legendsLeaveOutUnsetFlags() {
        assertThat(ExperimentPlots.legend("iterations=1000 workers=8 in-process algorithm=dp-oadam "
                + "emulate-latency=none second-moment=neighbourhood gossip-rounds=none"))
                .isEqualTo("iterations=1000 workers=8 in-process algorithm=dp-oadam second-moment=neighbourhood");
        assertThat(ExperimentPlots.legend("algorithm=dp-oadam emulate-latency=50ms")).isEqualTo(
                "algorithm=dp-oadam emulate-latency=50ms");
        assertThat(ExperimentPlots.legend("emulate-latency=none")).isEqualTo("emulate-latency=none");
    }

    /** A large grid's legend grows the image instead of covering the plot (one line per group past the sixth). */
    @Test
    void plotsGrowWithTheirLegend() {
        io.dgan.evaluation.Curves few = new io.dgan.evaluation.Curves("few", "x", "y", false);
        io.dgan.evaluation.Curves many = new io.dgan.evaluation.Curves("many", "x", "y", false);
        for (int i = 0; i < 40; i++) {
            many.add("group " + i, 1, i);
            if (i < 6) {
                few.add("group " + i, 1, i);
            }
        }
        assertThat(ExperimentPlots.height(few)).isEqualTo(560);
        assertThat(ExperimentPlots.height(many)).isEqualTo(560 + 34 * 22);
    }

    @Test
    void runsNotFinishedOrStartedWithOtherFlagsArePendingAndFailuresAreMarked() throws IOException {
        List<PlannedRun> runs = SPEC.runs();
        Path dir = out.resolve("runs");
        evaluated(dir, runs.get(0), new double[]{3, 2, 1}, 1);
        // The same directory name, but the run was started with other flags: not this spec's result.
        Files.writeString(dir.resolve(runs.get(0).id()).resolve(ExperimentRunner.MARKER),
                "{\"id\":\"x\",\"args\":[\"--workers\",\"8\"]}");
        Files.createDirectories(dir.resolve(runs.get(1).id()));
        Files.writeString(dir.resolve(runs.get(1).id()).resolve(ExperimentRunner.FAILED), "exit code 1: boom\n");
        ExperimentReport report = ExperimentReport.build(SPEC, dir);
        assertThat(report.results()).extracting(RunResult::status)
                .containsExactly("pending", "failed", "pending", "pending", "pending", "pending");
        report.write(out);
        assertThat(Files.readAllLines(out.resolve("results.csv"))).hasSize(7);
    }

    @Test
    void aReferenceThatSetsFewerFlagsIsTheReferenceOfEveryRunItAgreesWith() {
        List<PlannedRun> runs = ExperimentSpec.parse("""
                name: topologies
                train: {workers: 8}
                grids:
                  - grid: {algorithm: [dp-oadam], topology: [ring, hypercube], seed: [0]}
                  - grid: {algorithm: [cp-oadam], seed: [0, 1]}
                """).runs();
        Map<String, String> cp = Map.of("algorithm", "cp-oadam");
        assertThat(TimeToQuality.referenceRuns(runs.get(1), runs, cp)).extracting(PlannedRun::id)
                .containsExactly("g1_algorithm-cp-oadam_seed-0", "g1_algorithm-cp-oadam_seed-1");
        // A longer run is compared with the reference of the grid it extends.
        List<PlannedRun> longer = ExperimentSpec.parse("""
                name: longer
                train: {iterations: 1000, eval-every: 125}
                grids:
                  - grid: {algorithm: [dp-oadam, cp-oadam]}
                  - train: {iterations: 2000}
                    grid: {algorithm: [dp-oadam]}
                """).runs();
        assertThat(TimeToQuality.referenceRuns(longer.get(2), longer, cp)).extracting(PlannedRun::id)
                .containsExactly("g0_algorithm-cp-oadam");
        // An exact match wins over the runs that merely agree.
        List<PlannedRun> latency = ExperimentSpec.parse("""
                name: latency
                grids:
                  - grid: {algorithm: [dp-oadam, cp-oadam]}
                  - grid: {algorithm: [dp-oadam, cp-oadam], emulate-latency: [50ms]}
                """).runs();
        assertThat(TimeToQuality.referenceRuns(latency.get(2), latency, cp)).extracting(PlannedRun::id)
                .containsExactly("g1_algorithm-cp-oadam_emulate-latency-50ms");
    }

    @Test
    void labelsNameSwitchesAloneAndRunLengthsOnlyWhereTheyTellGroupsApart() {
        ExperimentSpec spec = ExperimentSpec.parse("""
                name: labels
                grids:
                  - train: {in-process: true, iterations: 1000, eval-every: 100}
                    grid: {algorithm: [dp-oadam], seed: [0, 1]}
                  - train: {iterations: 20, eval-every: 0}
                    grid: {algorithm: [dp-oadam], emulate-latency: [50ms]}
                  - train: {iterations: 250, eval-every: 125}
                    grid: {algorithm: [dp-oadam], emulate-latency: [50ms]}
                """);
        ExperimentReport report = ExperimentReport.build(spec, out.resolve("none"));
        assertThat(report.groups().keySet()).containsExactly(
                "in-process iterations=1000 emulate-latency=none", "iterations=20 emulate-latency=50ms",
                "iterations=250 emulate-latency=50ms");
    }

    @Test
    void aResumedRunsClockContinuesWhereTheRecordsBeforeTheRestartStopped() throws IOException {
        Path run = out.resolve("resumed");
        Files.createDirectories(run);
        Files.writeString(run.resolve("metrics.jsonl"), String.join("\n",
                "{\"iteration\":10,\"elapsedS\":10,\"consensus\":1}",
                "{\"iteration\":20,\"elapsedS\":20,\"consensus\":1,\"fid\":5,\"evalS\":2}",
                "{\"iteration\":30,\"elapsedS\":5,\"consensus\":1}",
                "{\"iteration\":40,\"elapsedS\":15,\"consensus\":1,\"fid\":4,\"evalS\":2}") + "\n");
        Files.writeString(run.resolve("summary.json"), "{\"wallSeconds\":15,\"iterationSplit\":{\"iterMs\":1000}}");
        RunRecord r = RunRecord.read(run);
        assertThat(r.points()).extracting(RunRecord.Point::trainingSeconds).containsExactly(10.0, 20.0, 23.0, 33.0);
        assertThat(r.last("fid")).hasValue(4.0);
        assertThat(r.steadyIterMs()).isEqualTo(1000.0);  // no per-record times: the run's mean
    }

    /** A finished run with evaluations at 100, 200, 300 (elapsed step, step x2, step x3; 1 s per evaluation). */
    private static void evaluated(Path runs, PlannedRun run, double[] fid, double step) throws IOException {
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < fid.length; i++) {
            lines.add(String.format(java.util.Locale.ROOT, "{\"iteration\":%d,\"elapsedS\":%s,\"consensus\":0.1,"
                    + "\"iterMs\":%s,\"fid\":%s,\"evalS\":1.0}", 100 * (i + 1), step * (i + 1), step * 10, fid[i]));
        }
        write(runs, run, lines, step * 10);
    }

    /** A timing run of 50 iterations: records every 10, the first at 500 ms/iteration (warm-up), then msPerIter. */
    private static void timing(Path runs, PlannedRun run, double msPerIter) throws IOException {
        List<String> lines = new ArrayList<>();
        double elapsed = 0;
        for (int k = 10; k <= 50; k += 10) {
            double ms = k == 10 ? 500 : msPerIter;
            elapsed += ms * 10 / 1000;
            lines.add(String.format(java.util.Locale.ROOT, "{\"iteration\":%d,\"elapsedS\":%s,\"consensus\":0.1,"
                    + "\"iterMs\":%s%s}", k, elapsed, ms, k == 50 ? ",\"fid\":40,\"evalS\":1" : ""));
        }
        write(runs, run, lines, msPerIter);
    }

    private static void write(Path runs, PlannedRun run, List<String> lines, double iterMs) throws IOException {
        Path dir = runs.resolve(run.id());
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("metrics.jsonl"), String.join("\n", lines) + "\n");
        Files.writeString(dir.resolve("summary.json"), "{\"wallSeconds\":1,\"iterationSplit\":{\"iterMs\":" + iterMs
                + ",\"computeMs\":1,\"sendMs\":1,\"receiveMs\":1,\"gcMs\":0,\"otherMs\":1}}");
        Files.writeString(dir.resolve(ExperimentRunner.MARKER),
                JSON.writeValueAsString(Map.of("id", run.id(), "args", run.trainArgs())));
    }
}
