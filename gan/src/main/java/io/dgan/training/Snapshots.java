package io.dgan.training;

import io.dgan.model.GanModel;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The network-average generator at each evaluation, {@code snapshots/G-iter-K.bin}: long layout hash of G, int
 * length, then the floats. Lets {@code dgan eval} score a finished (or running) run later, e.g. once the FID
 * classifier exists.
 */
public final class Snapshots {
    private static final Pattern NAME = Pattern.compile("G-iter-(\\d+)\\.bin");

    private Snapshots() {
    }

    public static Path file(Path runDir, long iteration) {
        return runDir.resolve("snapshots").resolve(String.format("G-iter-%07d.bin", iteration));
    }

    public static void save(Path runDir, long iteration, GanModel model) {
        Path f = file(runDir, iteration);
        Path tmp = f.resolveSibling(f.getFileName() + ".tmp");
        FloatBuffer g = model.generator().player("G").params();
        try {
            Files.createDirectories(f.getParent());
            try (DataOutputStream out = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 16))) {
                out.writeLong(model.generator().layoutHash());
                out.writeInt(g.limit());
                for (int i = 0; i < g.limit(); i++) {
                    out.writeFloat(g.get(i));
                }
            }
            Files.move(tmp, f, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + f, e);
        }
    }

    /** Loads a snapshot into the model's generator (same layout required). */
    public static void load(Path file, GanModel model) {
        FloatBuffer g = model.generator().player("G").params();
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file), 1 << 16))) {
            long hash = in.readLong();
            int n = in.readInt();
            if (hash != model.generator().layoutHash() || n != g.limit()) {
                throw new IllegalArgumentException(file + ": generator layout " + Long.toHexString(hash) + " [" + n
                        + "] differs from the model's " + Long.toHexString(model.generator().layoutHash()) + " [" + g.limit() + "]");
            }
            for (int i = 0; i < n; i++) {
                g.put(i, in.readFloat());
            }
        } catch (IOException e) {
            throw new IllegalArgumentException(file + ": cannot read generator snapshot (" + e.getMessage() + ")", e);
        }
    }

    /** Iterations with a snapshot, ascending. */
    public static List<Long> iterations(Path runDir) {
        List<Long> out = new ArrayList<>();
        Path dir = runDir.resolve("snapshots");
        if (!Files.isDirectory(dir)) {
            return out;
        }
        try (Stream<Path> files = Files.list(dir)) {
            files.forEach(p -> {
                Matcher m = NAME.matcher(p.getFileName().toString());
                if (m.matches()) {
                    out.add(Long.parseLong(m.group(1)));
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir, e);
        }
        out.sort(null);
        return out;
    }
}
