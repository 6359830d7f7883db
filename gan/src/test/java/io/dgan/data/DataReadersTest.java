package io.dgan.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import java.util.zip.GZIPOutputStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

class DataReadersTest {
    @TempDir
    Path dir;

    private static byte[] idx(int dims, int[] shape, byte[] data) throws IOException {
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bos);
        out.writeInt(0x00000800 | dims);
        for (int s : shape) {
            out.writeInt(s);
        }
        out.write(data);
        return bos.toByteArray();
    }

    private static byte[] gzip(byte[] raw) throws IOException {
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        try (OutputStream gz = new GZIPOutputStream(bos)) {
            gz.write(raw);
        }
        return bos.toByteArray();
    }

    private static byte[] ramp(int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (i * 7);
        }
        return b;
    }

    @Test
    void idxGzippedAndPlainReadTheSame() throws IOException {
        byte[] pixels = ramp(3 * 4 * 5);
        Files.write(dir.resolve("train-images-idx3-ubyte.gz"), gzip(idx(3, new int[]{3, 4, 5}, pixels)));
        Files.write(dir.resolve("train-labels-idx1-ubyte"), idx(1, new int[]{3}, new byte[]{2, 0, 9}));
        ImageDataset d = IdxReader.readLabelled("t", dir.resolve("train-images-idx3-ubyte.gz"),
                dir.resolve("train-labels-idx1-ubyte"), 10);
        assertThat(d.size()).isEqualTo(3);
        assertThat(d.shape().height()).isEqualTo(4);
        assertThat(d.shape().width()).isEqualTo(5);
        assertThat(d.labels()).containsExactly(2, 0, 9);
        assertThat(d.pixels()).isEqualTo(pixels);
        float[] img = new float[20];
        d.copyImage(0, img, 0);
        assertThat(img[0]).isEqualTo(-1f);                       // byte 0 → -1
        assertThat(img[1]).isEqualTo(7 / 127.5f - 1f);

        // The dataset factory finds the files by their standard names in --data-dir.
        Files.write(dir.resolve("t10k-images-idx3-ubyte"), idx(3, new int[]{3, 4, 5}, pixels));
        Files.write(dir.resolve("t10k-labels-idx1-ubyte.gz"), gzip(idx(1, new int[]{3}, new byte[]{1, 1, 1})));
        ImageDataset test = Datasets.load(new Datasets.Source("mnist", dir), false);
        assertThat(test.pixels()).isEqualTo(pixels);
        assertThat(test.labels()).containsExactly(1, 1, 1);
    }

    @Test
    void idxErrorsNameTheFileAndTheExpectation() throws IOException {
        Path missing = dir.resolve("nope-idx3-ubyte");
        assertThatThrownBy(() -> IdxReader.read(missing, 3))
                .isInstanceOf(DataFileException.class).hasMessageContaining(missing.toString()).hasMessageContaining("no such file");

        Path wrongMagic = dir.resolve("labels-as-images");
        Files.write(wrongMagic, idx(1, new int[]{3}, new byte[3]));
        assertThatThrownBy(() -> IdxReader.read(wrongMagic, 3))
                .hasMessageContaining(wrongMagic.toString()).hasMessageContaining("magic 0x00000801, expected 0x00000803");

        byte[] full = idx(3, new int[]{2, 3, 3}, ramp(18));
        Path truncated = dir.resolve("short");
        Files.write(truncated, java.util.Arrays.copyOf(full, full.length - 5));
        assertThatThrownBy(() -> IdxReader.read(truncated, 3))
                .hasMessageContaining(truncated.toString()).hasMessageContaining("announces 18 data bytes, found 13");

        Path truncatedGz = dir.resolve("short.gz");
        byte[] gz = gzip(full);
        Files.write(truncatedGz, java.util.Arrays.copyOf(gz, gz.length / 2));
        assertThatThrownBy(() -> IdxReader.read(truncatedGz, 3))
                .isInstanceOf(DataFileException.class).hasMessageContaining(truncatedGz.toString());

        Path headerOnly = dir.resolve("header");
        Files.write(headerOnly, java.util.Arrays.copyOf(full, 6));
        assertThatThrownBy(() -> IdxReader.read(headerOnly, 3)).hasMessageContaining("truncated inside the IDX header");

        Path images = dir.resolve("i");
        Path labels = dir.resolve("l");
        Files.write(images, full);
        Files.write(labels, idx(1, new int[]{3}, new byte[3]));
        assertThatThrownBy(() -> IdxReader.readLabelled("x", images, labels, 10))
                .hasMessageContaining(labels.toString()).hasMessageContaining("3 labels for the 2 images");
    }

    @Test
    void cifarBatchesReadAndValidate() throws IOException {
        byte[] batch = new byte[2 * CifarReader.RECORD];
        batch[0] = 3;
        batch[CifarReader.RECORD] = 7;
        batch[1] = (byte) 255;                          // red (0,0) of image 0
        batch[CifarReader.RECORD + 1 + 1024] = (byte) 128; // green (0,0) of image 1
        Path f = dir.resolve("data_batch_1.bin");
        Files.write(f, batch);
        ImageDataset d = CifarReader.read("c", List.of(f));
        assertThat(d.size()).isEqualTo(2);
        assertThat(d.labels()).containsExactly(3, 7);
        assertThat(d.shape().channels()).isEqualTo(3);
        float[] img = new float[3072];
        d.copyImage(1, img, 0);
        assertThat(img[1024]).isEqualTo(128 / 127.5f - 1f);
        d.copyImage(0, img, 0);
        assertThat(img[0]).isEqualTo(1f);

        Path truncated = dir.resolve("test_batch.bin");
        Files.write(truncated, java.util.Arrays.copyOf(batch, batch.length - 1));
        assertThatThrownBy(() -> CifarReader.read("c", List.of(truncated)))
                .hasMessageContaining(truncated.toString()).hasMessageContaining("not a positive multiple of 3073");
        byte[] badLabel = batch.clone();
        badLabel[0] = 42;
        Path bad = dir.resolve("bad.bin");
        Files.write(bad, badLabel);
        assertThatThrownBy(() -> CifarReader.read("c", List.of(bad))).hasMessageContaining("label 42 in record 0");
        assertThatThrownBy(() -> Datasets.load(new Datasets.Source("cifar10", dir), true))
                .hasMessageContaining("data_batch_2.bin").hasMessageContaining("no such file");
    }

    @Test
    void imageFolderResizesAndLabelsBySubfolder() throws IOException {
        Files.createDirectories(dir.resolve("cats"));
        Files.createDirectories(dir.resolve("dogs"));
        BufferedImage white = new BufferedImage(10, 6, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 6; y++) {
            for (int x = 0; x < 10; x++) {
                white.setRGB(x, y, 0xFF0000);
            }
        }
        ImageIO.write(white, "png", dir.resolve("cats/a.png").toFile());
        ImageIO.write(new BufferedImage(40, 40, BufferedImage.TYPE_INT_RGB), "jpg", dir.resolve("dogs/b.jpg").toFile());
        Files.writeString(dir.resolve("dogs/notes.txt"), "ignored");
        ImageDataset d = ImageFolderReader.read(dir, 8, 3);
        assertThat(d.size()).isEqualTo(2);
        assertThat(d.labels()).containsExactly(0, 1);
        assertThat(d.classes()).isEqualTo(2);
        float[] img = new float[3 * 64];
        d.copyImage(0, img, 0);
        assertThat(img[0]).isEqualTo(1f);        // red plane
        assertThat(img[64]).isEqualTo(-1f);      // green plane
        ImageDataset gray = ImageFolderReader.read(dir, 4, 1);
        assertThat(gray.shape().length()).isEqualTo(16);

        Path empty = Files.createDirectories(dir.resolve("empty"));
        assertThatThrownBy(() -> ImageFolderReader.read(empty, 8, 3)).hasMessageContaining("no .png/.jpg/.jpeg images");
        Path corrupt = Files.createDirectories(dir.resolve("corrupt"));
        Files.write(corrupt.resolve("x.png"), new byte[]{1, 2, 3});
        assertThatThrownBy(() -> ImageFolderReader.read(corrupt, 8, 3)).hasMessageContaining("x.png");
    }

    @Test
    void debianFashionMnistLoads() {
        assumeThat(Files.exists(Datasets.DEBIAN_FASHION_MNIST.resolve("t10k-images-idx3-ubyte.gz"))).isTrue();
        ImageDataset test = Datasets.load(new Datasets.Source("fashion-mnist", null), false);
        assertThat(test.size()).isEqualTo(10_000);
        assertThat(test.shape().height()).isEqualTo(28);
        int[] counts = new int[10];
        for (int l : test.labels()) {
            counts[l]++;
        }
        assertThat(counts).containsOnly(1000); // the test split is balanced
        INDArray b = new DatasetShard(test, new int[]{0, 1, 2}).batch(5, new SplittableRandom(1));
        assertThat(b.shape()).containsExactly(5, 1, 28, 28);
        assertThat(b.minNumber().doubleValue()).isGreaterThanOrEqualTo(-1);
        assertThat(b.maxNumber().doubleValue()).isLessThanOrEqualTo(1);
    }
}
