package io.dgan.data;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/**
 * Reads IDX files (the MNIST / Fashion-MNIST format), gzipped or not (detected from the first two bytes):
 * magic = 0x00 0x00, type 0x08 (unsigned byte), number of dimensions; then each dimension as a big-endian int32;
 * then the bytes.
 */
public final class IdxReader {
    private IdxReader() {
    }

    /** An IDX array of unsigned bytes. */
    public record IdxArray(int[] dims, byte[] data) {
    }

    /** Reads an IDX file whose number of dimensions must be {@code expectedDims} (3 for images, 1 for labels). */
    public static IdxArray read(Path file, int expectedDims) {
        try (DataInputStream in = new DataInputStream(open(file))) {
            int magic;
            try {
                magic = in.readInt();
            } catch (EOFException e) {
                throw new DataFileException(file, "truncated: shorter than the 4-byte IDX magic number");
            }
            int expectedMagic = 0x00000800 | expectedDims;
            if (magic != expectedMagic) {
                throw new DataFileException(file, String.format(
                        "not an IDX file of unsigned bytes with %d dimension(s): magic 0x%08X, expected 0x%08X",
                        expectedDims, magic, expectedMagic));
            }
            int[] dims = new int[expectedDims];
            long total = 1;
            for (int i = 0; i < expectedDims; i++) {
                try {
                    dims[i] = in.readInt();
                } catch (EOFException e) {
                    throw new DataFileException(file, "truncated inside the IDX header (dimension " + i + ")");
                }
                if (dims[i] <= 0) {
                    throw new DataFileException(file, "IDX dimension " + i + " is " + dims[i] + ", expected > 0");
                }
                total *= dims[i];
            }
            if (total > Integer.MAX_VALUE - 8) {
                throw new DataFileException(file, "IDX array of " + total + " bytes is too large");
            }
            byte[] data = new byte[(int) total];
            int read = in.readNBytes(data, 0, data.length);
            if (read < data.length) {
                throw new DataFileException(file, "truncated: header announces " + total + " data bytes, found " + read);
            }
            return new IdxArray(dims, data);
        } catch (NoSuchFileException e) {
            throw new DataFileException(file, "no such file (expected an IDX file, optionally gzipped)");
        } catch (EOFException e) {
            throw new DataFileException(file, "truncated gzip stream", e);
        } catch (IOException e) {
            throw new DataFileException(file, "cannot read as IDX (" + e.getMessage() + ")", e);
        }
    }

    static InputStream open(Path file) throws IOException {
        InputStream raw = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
        raw.mark(2);
        int b0 = raw.read();
        int b1 = raw.read();
        raw.reset();
        if (b0 == 0x1f && b1 == 0x8b) {
            return new BufferedInputStream(new GZIPInputStream(raw, 1 << 16), 1 << 16);
        }
        return raw;
    }

    /** An images file plus its labels file as one dataset; checks the counts agree and labels are in [0, classes). */
    public static ImageDataset readLabelled(String name, Path images, Path labels, int classes) {
        IdxArray img = read(images, 3);
        IdxArray lab = read(labels, 1);
        if (img.dims()[0] != lab.dims()[0]) {
            throw new DataFileException(labels, lab.dims()[0] + " labels for the " + img.dims()[0] + " images of " + images);
        }
        int[] l = new int[lab.dims()[0]];
        for (int i = 0; i < l.length; i++) {
            l[i] = lab.data()[i] & 0xff;
            if (l[i] >= classes) {
                throw new DataFileException(labels, "label " + l[i] + " at index " + i + ", expected 0.." + (classes - 1));
            }
        }
        return new ImageDataset(name, io.dgan.model.Shape.image(1, img.dims()[1], img.dims()[2]), img.data(), l, classes);
    }
}
