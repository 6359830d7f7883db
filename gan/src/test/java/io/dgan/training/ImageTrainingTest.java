package io.dgan.training;

import io.dgan.data.Datasets;
import io.dgan.data.ImageDataset;
import io.dgan.evaluation.FeatureClassifier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.zip.GZIPOutputStream;

import static org.assertj.core.api.Assertions.assertThat;

/** DCGAN on a small IDX dataset the test writes, with FID/KID/IS from a classifier trained on it. */
class ImageTrainingTest {
    @TempDir
    Path dir;

    private void writeIdx(String name, int dims, int[] shape, byte[] data) throws IOException {
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(new GZIPOutputStream(bos))) {
            out.writeInt(0x800 | dims);
            for (int s : shape) {
                out.writeInt(s);
            }
            out.write(data);
        }
        Files.write(dir.resolve(name + ".gz"), bos.toByteArray());
    }

    @Test
    void dcganRunWritesGridsAndScores() throws IOException {
        int n = 64;
        SplittableRandom rng = new SplittableRandom(1);
        byte[] px = new byte[n * 784];
        byte[] labels = new byte[n];
        for (int i = 0; i < n; i++) {
            labels[i] = (byte) (i % 2);
            for (int p = 0; p < 784; p++) {
                boolean left = p % 28 < 14;
                px[i * 784 + p] = (byte) ((left == (i % 2 == 0) ? 200 : 30) + rng.nextInt(20));
            }
        }
        for (String split : new String[]{"train", "t10k"}) {
            writeIdx(split + "-images-idx3-ubyte", 3, new int[]{n, 28, 28}, px);
            writeIdx(split + "-labels-idx1-ubyte", 1, new int[]{n}, labels);
        }
        Datasets.Source src = new Datasets.Source("mnist", dir);
        ImageDataset train = Datasets.load(src, true);
        Path clf = dir.resolve("classifier");
        PrintStream quiet = new PrintStream(OutputStream.nullOutputStream());
        FeatureClassifier.train(train, Datasets.load(src, false), 1, 0, quiet).save(clf);

        TrainConfig cfg = TrainConfig.defaults("dcgan", "mnist").withWorkers(2, "ring", "dp-oadam")
                .withData(dir.toString(), "dirichlet:0.5", "bce", 8, 3).withIterations(2)
                .withReporting(1, 2, 0, 32).withThreads(1, clf.toString());
        GanTrainer.Summary s = new GanTrainer(cfg, dir.resolve("run"), false, quiet).run();
        assertThat(s.finalEvaluation()).containsKeys("fid", "kid", "inceptionScore");
        assertThat((Double) s.finalEvaluation().get("fid")).isPositive();
        assertThat((Double) s.finalEvaluation().get("inceptionScore")).isBetween(1.0, 2.0); // 2 classes
        assertThat(dir.resolve("run/samples/iter-0000002.png")).isNotEmptyFile();

        // Scoring the snapshots afterwards: iteration 0 (the initial generator) and the evaluation at 2, the
        // latter equal to what the run computed with the same classifier.
        java.util.List<java.util.Map<String, Object>> rows = RunScorer.score(dir.resolve("run"), clf, 32, quiet);
        assertThat(rows).extracting(r -> r.get("iteration")).containsExactly(0L, 2L);
        assertThat((Double) rows.get(1).get("fid")).isCloseTo((Double) s.finalEvaluation().get("fid"),
                org.assertj.core.data.Offset.offset(1e-9));
        assertThat(dir.resolve("run/scores.jsonl")).isNotEmptyFile();
        assertThat(dir.resolve("run/scores-fid.png")).isNotEmptyFile();

        // A snapshot saved for iteration 0 (as a rebuilt x_0 can be) is scored once, from the file.
        java.nio.file.Files.copy(Snapshots.file(dir.resolve("run"), 2), Snapshots.file(dir.resolve("run"), 0));
        java.io.ByteArrayOutputStream log = new java.io.ByteArrayOutputStream();
        rows = RunScorer.score(dir.resolve("run"), clf, 32, new PrintStream(log, true, java.nio.charset.StandardCharsets.UTF_8));
        assertThat(rows).extracting(r -> r.get("iteration")).containsExactly(0L, 2L);
        assertThat((Double) rows.get(0).get("fid")).isEqualTo((Double) rows.get(1).get("fid"));
        // The scores are named for what they are: the classifier, its accuracy, and how they relate to Inception FID.
        assertThat(log.toString(java.nio.charset.StandardCharsets.UTF_8))
                .contains("fid = Fréchet distance on dgan's own classifier features", "test accuracy ",
                        "not Inception FID");
    }
}
