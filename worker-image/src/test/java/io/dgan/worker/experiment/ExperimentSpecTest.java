package io.dgan.worker.experiment;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ExperimentSpecTest {
    @Test
    void aGridExpandsIntoEveryCombinationWithTheSharedFlags() {
        ExperimentSpec spec = ExperimentSpec.parse("""
                name: dp-vs-cp
                train:
                  preset: mlp-ring8
                  iterations: 300
                  insecure-plaintext: true
                  in-process: false
                grid:
                  algorithm: [dp-oadam, cp-oadam]
                  workers: [2, 4]
                  seed: 7
                """);
        List<PlannedRun> runs = spec.runs();
        assertThat(runs).extracting(PlannedRun::id).containsExactly(
                "algorithm-dp-oadam_workers-2_seed-7", "algorithm-dp-oadam_workers-4_seed-7",
                "algorithm-cp-oadam_workers-2_seed-7", "algorithm-cp-oadam_workers-4_seed-7");
        assertThat(runs.get(3).trainArgs()).containsExactly("--preset", "mlp-ring8", "--iterations", "300",
                "--insecure-plaintext", "--algorithm", "cp-oadam", "--workers", "4", "--seed", "7");
        assertThat(spec.compare()).isNull();
    }

    @Test
    void blocksAddTheirOwnFlagsAndKeepTheirRunsApart() {
        ExperimentSpec spec = ExperimentSpec.parse("""
                name: latency
                train: {iterations: 1000, workers: 4}
                grids:
                  - grid: {algorithm: [dp-oadam, cp-oadam]}
                  - train: {iterations: 100, eval-every: 0}
                    grid: {algorithm: [dp-oadam], emulate-latency: [10ms, 50ms]}
                    timing: true
                compare: {metric: fid, reference: {algorithm: cp-oadam}}
                """);
        List<PlannedRun> runs = spec.runs();
        assertThat(runs).extracting(PlannedRun::id).containsExactly("g0_algorithm-dp-oadam", "g0_algorithm-cp-oadam",
                "g1_algorithm-dp-oadam_emulate-latency-10ms", "g1_algorithm-dp-oadam_emulate-latency-50ms");
        assertThat(runs.get(0).flags()).containsEntry("iterations", "1000").doesNotContainKey("eval-every");
        assertThat(runs.get(3).flags()).containsEntry("iterations", "100").containsEntry("workers", "4")
                .containsEntry("eval-every", "0").containsEntry("emulate-latency", "50ms");
        assertThat(runs).extracting(PlannedRun::timing).containsExactly(false, false, true, true);
        assertThat(spec.compare().metric()).isEqualTo("fid");
        assertThat(spec.compare().reference()).isEqualTo(Map.of("algorithm", "cp-oadam"));
    }

    @Test
    void badSpecsNameTheFieldAndWhatWasExpected() {
        assertBad("name: x\ngrid: {seed: [1]}\ncolour: red\n", "colour: unknown field");
        assertBad("name: 'a b'\ngrid: {seed: [1]}\n", "name: expected 1-63 letters");
        assertBad("grid: {seed: [1]}\n", "name: expected");
        assertBad("name: x\n", "exactly one of grid");
        assertBad("name: x\ngrid: {seed: [1]}\ngrids: [{grid: {seed: [2]}}]\n", "exactly one of grid");
        assertBad("name: x\ngrid: {seed: []}\n", "grid.seed: expected at least one value");
        assertBad("name: x\ngrid: {seed: [1, 1]}\n", "grid.seed: a value is listed twice");
        assertBad("name: x\ngrid: {seed: [[1]]}\n", "grid.seed[0]: expected a string, number or boolean");
        assertBad("name: x\ntrain: {run-dir: /tmp/a}\ngrid: {seed: [1]}\n", "train.run-dir: set by dgan experiment");
        assertBad("name: x\ngrid: {Seed: [1]}\n", "grid.Seed: expected a dgan train flag name");
        assertBad("name: x\ngrid: {seed: [1]}\ncompare: {metric: loss, reference: {algorithm: cp-oadam}}\n",
                "compare.metric: expected one of [fid, kid");
        assertBad("name: x\ngrid: {seed: [1]}\ncompare: {metric: fid}\n", "compare.reference: expected the flags");
        assertBad("name: x\ngrids: []\n", "grids: expected a non-empty list");
        assertBad("name: x\ngrids: [{train: {}, grid: {seed: 1}, extra: 1}]\n", "grids[0].extra: unknown field");
        assertBad("name: x\ngrids: [{grid: {seed: 1}, timing: 3}]\n", "grids[0].timing: expected true or false");
        assertBad("name: [unclosed\n", "not valid YAML or JSON");
        assertBad("- just a list\n", "expected a mapping");
    }

    @Test
    void twoBlocksThatMakeTheSameRunAreRefused() {
        ExperimentSpec spec = ExperimentSpec.parse("name: x\ngrid: {emulate-latency: [10ms, 10MS]}\n");
        assertThatThrownBy(spec::runs).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("two runs have the id emulate-latency-10ms");
    }

    @Test
    void jsonSpecsAreReadToo() {
        ExperimentSpec spec = ExperimentSpec.parse("{\"name\": \"j\", \"grid\": {\"seed\": [0, 1]}}");
        assertThat(spec.runs()).hasSize(2);
    }

    private static void assertBad(String yaml, String message) {
        assertThatThrownBy(() -> ExperimentSpec.parse(yaml)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(message)
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
    }
}
