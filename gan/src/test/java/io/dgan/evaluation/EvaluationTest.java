package io.dgan.evaluation;

import io.dgan.data.GaussianMixture;
import io.dgan.data.ImageDataset;
import io.dgan.model.Shape;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class EvaluationTest {
    @TempDir
    Path dir;

    @Test
    void modeCoverageOfTheTrueDistributionIsFullAndOfACollapsedOneIsNot() {
        GaussianMixture ring = GaussianMixture.ring8();
        ModeCoverage full = ModeCoverage.measure(ring, ring.batch(2500, new SplittableRandom(1)));
        assertThat(full.modesCovered()).isEqualTo(8);
        // Within 3σ in 2-D: P(χ²₂ ≤ 9) = 1 − e^{−4.5} ≈ 0.989.
        assertThat(full.highQualityFraction()).isCloseTo(0.989, within(0.01));

        // Everything on two modes, plus a cloud at the centre: 2 modes covered, 2/3 high quality.
        INDArray collapsed = Nd4j.zeros(DataType.FLOAT, 300, 2);
        for (int i = 0; i < 100; i++) {
            collapsed.putScalar(i, 0, 1.0);
            collapsed.putScalar(100 + i, 1, 1.0);
        }
        ModeCoverage c = ModeCoverage.measure(ring, collapsed);
        assertThat(c.modesCovered()).isEqualTo(2);
        assertThat(c.highQualityFraction()).isCloseTo(2.0 / 3, within(1e-9));
        assertThat(c.perMode()[0]).isEqualTo(100);
        assertThat(c.perMode()[2]).isEqualTo(100);
    }

    @Test
    void gridAndScatterPngsAreWritten() throws IOException {
        INDArray imgs = Nd4j.rand(DataType.FLOAT, 6, 3, 4, 4).muli(2).subi(1);
        imgs.putScalar(new long[]{0, 0, 0, 0}, 1f);
        imgs.putScalar(new long[]{0, 1, 0, 0}, -1f);
        imgs.putScalar(new long[]{0, 2, 0, 0}, -1f);
        Images.writePng(Images.grid(imgs, 3, 2), dir.resolve("g.png"));
        BufferedImage g = ImageIO.read(dir.resolve("g.png").toFile());
        assertThat(g.getWidth()).isEqualTo(3 * (8 + 2) + 2);
        assertThat(g.getHeight()).isEqualTo(2 * (8 + 2) + 2);
        assertThat(g.getRGB(2, 2) & 0xFFFFFF).isEqualTo(0xFF0000); // first pixel of the first image: pure red
        GaussianMixture ring = GaussianMixture.ring8();
        Images.writePng(Images.scatter(ring.batch(100, new SplittableRandom(2)), ring, 200), dir.resolve("s.png"));
        assertThat(ImageIO.read(dir.resolve("s.png").toFile()).getWidth()).isEqualTo(200);
        new Curves("t", "y", true).add("a", 1, 1).add("a", 2, 0.1).add("a", 3, Double.NaN).writePng(dir.resolve("c.png"), 300, 200);
        assertThat(dir.resolve("c.png")).isNotEmptyFile();
    }

    @Test
    void classifierLearnsASimpleImageTaskAndRoundTrips() {
        // Two classes of 8×8 images: bright top half vs bright bottom half, with noise.
        int n = 400;
        byte[] px = new byte[n * 64];
        int[] labels = new int[n];
        SplittableRandom rng = new SplittableRandom(5);
        for (int i = 0; i < n; i++) {
            labels[i] = i % 2;
            for (int p = 0; p < 64; p++) {
                boolean top = p < 32;
                int base = (top == (labels[i] == 0)) ? 180 : 60;
                px[i * 64 + p] = (byte) Math.max(0, Math.min(255, base + (int) (rng.nextGaussian() * 40)));
            }
        }
        ImageDataset data = new ImageDataset("halves", Shape.image(1, 8, 8), px, labels, 2);
        FeatureClassifier c = FeatureClassifier.train(data, data, 2, 1, new java.io.PrintStream(java.io.OutputStream.nullOutputStream()));
        assertThat((Double) c.info().get("testAccuracy")).isGreaterThan(0.95);
        double[][] f = c.features(FeatureClassifier.images(data, new int[]{0, 1, 2}));
        assertThat(f).hasNumberOfRows(3);
        assertThat(f[0]).hasSize(128);
        c.save(dir.resolve("clf"));
        FeatureClassifier back = FeatureClassifier.loadIfPresent(dir.resolve("clf"));
        assertThat(back.features(FeatureClassifier.images(data, new int[]{0, 1, 2}))).isDeepEqualTo(f);
        assertThat(back.info()).containsKey("testAccuracy");
        assertThat(back.info().get("architectureHash")).isEqualTo(FeatureClassifier.architectureHash(1, 8, 2));
        assertThat(back.info().get("weightsDigest")).isEqualTo(c.info().get("weightsDigest"));
        assertThat((java.util.List<?>) back.info().get("testAccuracyPerEpoch")).hasSize(2);
        assertThat(back.accuracyLine()).matches("test accuracy \\d\\.\\d{3} on 400 images \\(2 epochs on 400 training images\\)");
        assertThat(FeatureClassifier.staleReason(dir.resolve("clf"))).isNull();
        assertThat(FeatureClassifier.loadIfPresent(dir.resolve("none"))).isNull();
        assertThat(FeatureClassifier.staleReason(dir.resolve("none"))).isNull();
    }

    @Test
    void architectureHashFollowsTheNetworkNotTheRun() {
        String h = FeatureClassifier.architectureHash(1, 28, 10);
        assertThat(h).hasSize(16).isEqualTo(FeatureClassifier.architectureHash(1, 28, 10));
        assertThat(FeatureClassifier.architectureHash(3, 32, 10)).isNotEqualTo(h);
        assertThat(FeatureClassifier.architectureHash(1, 28, 2)).isNotEqualTo(h);
    }

    @Test
    void aCachedClassifierOfAnotherArchitectureIsNotReused() throws java.io.IOException {
        byte[] px = new byte[40 * 64];
        int[] labels = new int[40];
        for (int i = 0; i < 40; i++) {
            labels[i] = i % 2;
            java.util.Arrays.fill(px, i * 64, i * 64 + 64, (byte) (labels[i] == 0 ? 30 : 220));
        }
        ImageDataset data = new ImageDataset("flat", Shape.image(1, 8, 8), px, labels, 2);
        Path clf = dir.resolve("clf");
        FeatureClassifier.train(data, data, 1, 1, new java.io.PrintStream(java.io.OutputStream.nullOutputStream())).save(clf);
        assertThat(FeatureClassifier.loadIfPresent(clf)).isNotNull();
        Path json = clf.resolve("classifier.json");
        String good = java.nio.file.Files.readString(json);
        String hash = FeatureClassifier.architectureHash(1, 8, 2);

        // Another architecture's hash (as a changed build would have written).
        java.nio.file.Files.writeString(json, good.replace(hash, "0123456789abcdef"));
        assertThat(FeatureClassifier.loadIfPresent(clf)).isNull();
        assertThat(FeatureClassifier.staleReason(clf)).contains("classifier.json").contains("0123456789abcdef")
                .contains(hash).contains("dgan classifier train");

        // An older build's description, without a hash.
        java.nio.file.Files.writeString(json, "{\"testAccuracy\": 0.887, \"epochs\": 3}");
        assertThat(FeatureClassifier.loadIfPresent(clf)).isNull();
        assertThat(FeatureClassifier.staleReason(clf)).contains("no architectureHash");

        java.nio.file.Files.delete(json);
        assertThat(FeatureClassifier.loadIfPresent(clf)).isNull();
        assertThat(FeatureClassifier.staleReason(clf)).contains("missing");

        java.nio.file.Files.writeString(json, good);
        assertThat(FeatureClassifier.loadIfPresent(clf)).isNotNull();
    }

    @Test
    void trainingImagesAreMirroredLeftRightAboutHalfTheTime() {
        // 2 images of 1 channel, 2 rows of 3 pixels: 0 1 2 / 3 4 5 (×10 and ×10 + 100 for the second).
        byte[] px = new byte[12];
        for (int p = 0; p < 6; p++) {
            px[p] = (byte) (10 * p);
            px[6 + p] = (byte) (10 * p + 100);
        }
        ImageDataset d = new ImageDataset("tiny", Shape.image(1, 2, 3), px, new int[]{0, 1}, 2);
        float[][] plain = {FeatureClassifier.images(d, new int[]{0}).data().asFloat(),
                FeatureClassifier.images(d, new int[]{1}).data().asFloat()};
        SplittableRandom rng = new SplittableRandom(3);
        int flipped = 0;
        int draws = 400;
        for (int k = 0; k < draws; k++) {
            float[] x = FeatureClassifier.flippedImages(d, new int[]{0, 1}, rng).data().asFloat();
            for (int i = 0; i < 2; i++) {
                float[] got = java.util.Arrays.copyOfRange(x, 6 * i, 6 * i + 6);
                float[] mirror = {plain[i][2], plain[i][1], plain[i][0], plain[i][5], plain[i][4], plain[i][3]};
                if (java.util.Arrays.equals(got, mirror)) {
                    flipped++;
                } else {
                    assertThat(got).as("image %d is either itself or its mirror", i).containsExactly(plain[i]);
                }
            }
        }
        assertThat(flipped).isBetween(draws * 2 / 2 - 80, draws * 2 / 2 + 80);
    }
}
