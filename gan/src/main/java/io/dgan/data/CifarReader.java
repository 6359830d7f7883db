package io.dgan.data;

import io.dgan.model.Shape;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;

/**
 * CIFAR-10 binary batches: records of 1 label byte (0–9) followed by 3072 pixel bytes (1024 red, 1024 green,
 * 1024 blue, each 32×32 row-major), i.e. CHW already.
 */
public final class CifarReader {
    public static final int RECORD = 1 + 3 * 32 * 32;
    public static final List<String> TRAIN_FILES =
            List.of("data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin");

    private CifarReader() {
    }

    /** Reads and concatenates the given batch files. */
    public static ImageDataset read(String name, List<Path> files) {
        byte[][] contents = new byte[files.size()][];
        int records = 0;
        for (int f = 0; f < files.size(); f++) {
            Path file = files.get(f);
            try {
                contents[f] = Files.readAllBytes(file);
            } catch (NoSuchFileException e) {
                throw new DataFileException(file, "no such file (expected a CIFAR-10 binary batch)");
            } catch (IOException e) {
                throw new DataFileException(file, "cannot read (" + e.getMessage() + ")", e);
            }
            if (contents[f].length == 0 || contents[f].length % RECORD != 0) {
                throw new DataFileException(file, "size " + contents[f].length + " bytes is not a positive multiple of "
                        + RECORD + " (CIFAR-10 record: 1 label byte + 3072 pixel bytes); truncated or not CIFAR-10");
            }
            records += contents[f].length / RECORD;
        }
        byte[] pixels = new byte[records * (RECORD - 1)];
        int[] labels = new int[records];
        int r = 0;
        for (int f = 0; f < files.size(); f++) {
            byte[] c = contents[f];
            for (int off = 0; off < c.length; off += RECORD, r++) {
                labels[r] = c[off] & 0xff;
                if (labels[r] > 9) {
                    throw new DataFileException(files.get(f), "label " + labels[r] + " in record " + (off / RECORD)
                            + ", expected 0..9 (not a CIFAR-10 batch?)");
                }
                System.arraycopy(c, off + 1, pixels, r * (RECORD - 1), RECORD - 1);
            }
        }
        return new ImageDataset(name, Shape.image(3, 32, 32), pixels, labels, 10);
    }
}
