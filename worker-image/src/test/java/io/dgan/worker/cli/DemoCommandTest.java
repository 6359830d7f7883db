package io.dgan.worker.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dgan.data.Datasets;
import io.dgan.data.ImageDataset;
import io.dgan.worker.demo.DemoDataset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The demo's plumbing with tiny settings: 2 worker processes over gRPC on the 2-D fallback for 6 iterations. */
class DemoCommandTest {
    @TempDir
    Path dir;

    @Test
    void tinyDemoOnTheMixtureWritesSummarySamplesAndPlot() throws Exception {
        Path out = dir.resolve("demo");
        CliRun run = CliRun.of("demo", "--dataset", "ring8", "--iterations", "6", "--workers", "2",
                "--evaluations", "2", "--out", out.toString(), "--json");
        assertThat(run.exitCode()).as(run.err()).isZero();
        JsonNode printed = run.json();
        JsonNode written = new ObjectMapper().readTree(out.resolve("demo-summary.json").toFile());
        assertThat(written).isEqualTo(printed);
        assertThat(printed.get("dataset").asText()).isEqualTo("ring8");
        assertThat(printed.get("workers").asInt()).isEqualTo(2);
        assertThat(printed.get("iterations").asLong()).isEqualTo(6);
        assertThat(printed.get("metric").asText()).isEqualTo("modesCovered");
        assertThat(printed.get("metricEnd").isNumber()).isTrue();
        assertThat(printed.get("paramDigests")).hasSize(2);
        assertThat(printed.get("wallSeconds").asDouble()).isPositive();
        for (String f : List.of("samples", "plot")) {
            assertThat(Path.of(printed.get(f).asText())).as(f).isNotEmptyFile();
        }
        assertThat(Path.of(printed.get("plot").asText()).getFileName().toString()).endsWith(".png");
        assertThat(out.resolve("train/metrics.jsonl")).isNotEmptyFile();
        assertThat(out.resolve("train/samples/iter-0000000.png")).isNotEmptyFile(); // the untrained generator
        assertThat(run.err()).contains("dataset: 2-D mixture").contains("[it 6/6]").contains("dgan demo finished in")
                .contains("demo-summary.json");
        // The summary's last line names the command that makes the run a job; that command works on this run.
        String next = run.err().lines().filter(l -> l.startsWith("  next        ./dgan job --run-dir ")).findFirst()
                .orElseThrow(() -> new AssertionError("no 'next' line in " + run.err()));
        String runDir = next.substring("  next        ./dgan job --run-dir ".length(), next.indexOf(" | kubectl"));
        assertThat(Path.of(runDir)).isEqualTo(out.resolve("train"));
        CliRun job = CliRun.of("job", "--run-dir", runDir);
        assertThat(job.exitCode()).as(job.err()).isZero();
        assertThat(job.out()).contains("kind: DecentralizedGANJob").contains("name: demo");
        assertThat(CliRun.of("job", "--run-dir", out.toString()).out()).as("the demo's own directory names its run")
                .isEqualTo(job.out());
    }

    @Test
    void shippedFashionMnistSampleIsValidIdxWithItsLicence() {
        DemoDataset d = DemoDataset.choose("sample", dir.resolve("no-debian-here"), dir);
        assertThat(d.isImages()).isTrue();
        assertThat(d.model()).isEqualTo("dcgan-small");
        assertThat(d.description()).contains("sample");
        ImageDataset train = Datasets.load(new Datasets.Source("fashion-mnist", d.dataDir()), true);
        ImageDataset test = Datasets.load(new Datasets.Source("fashion-mnist", d.dataDir()), false);
        assertThat(train.size()).isEqualTo(2000);
        assertThat(test.size()).isEqualTo(1000);
        assertThat(java.util.Arrays.stream(train.labels()).distinct().count()).isEqualTo(10);
        assertThat(d.dataDir().resolve("LICENSE-fashion-mnist.txt")).content().contains("MIT").contains("Zalando");
        // auto without Debian's package falls back to the sample.
        assertThat(DemoDataset.choose("auto", dir.resolve("no-debian-here"), dir.resolve("a")).classifierName())
                .isEqualTo("fashion-mnist-sample");
    }

    @Test
    void demoClassifierOnTheFullDatasetHasItsOwnCacheKeyAndNeverShadowsTheDefaultOne() throws Exception {
        // A "Debian" folder with IDX files (the shipped sample's), as `auto` and `fashion-mnist` find them.
        Path debian = DemoDataset.choose("sample", dir.resolve("no-debian-here"), dir.resolve("s")).dataDir();
        for (String choice : List.of("auto", "fashion-mnist")) {
            DemoDataset d = DemoDataset.choose(choice, debian, dir.resolve(choice));
            assertThat(d.dataDir()).as(choice).isEqualTo(debian);
            assertThat(d.classifierName()).as(choice).isEqualTo(DemoDataset.DEMO_CLASSIFIER);
            // `dgan train/eval --dataset fashion-mnist` look in defaultDir(dataset name) when no --classifier-dir is
            // given: the demo's quick 1-epoch classifier must be cached elsewhere.
            assertThat(io.dgan.evaluation.FeatureClassifier.defaultDir(d.classifierName()))
                    .isNotEqualTo(io.dgan.evaluation.FeatureClassifier.defaultDir(d.dataset()))
                    .isNotEqualTo(io.dgan.evaluation.FeatureClassifier.defaultDir("fashion-mnist"));
        }
    }

    @Test
    void badFlagsGiveOneLineAndExitCode2() {
        CliRun bad = CliRun.of("demo", "--dataset", "imagenet");
        assertThat(bad.exitCode()).isEqualTo(2);
        assertThat(bad.err()).contains("--dataset").contains("imagenet");
        assertThat(bad.err().strip().lines()).hasSize(1);
        CliRun zero = CliRun.of("demo", "--iterations", "0");
        assertThat(zero.exitCode()).isEqualTo(2);
        assertThat(zero.err()).contains("--iterations");
    }
}
