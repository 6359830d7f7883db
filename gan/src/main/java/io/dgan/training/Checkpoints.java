package io.dgan.training;

import io.dgan.optimizer.DecentralizedOptimizer;
import io.dgan.optimizer.Player;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One rank's checkpoint: the iteration, the model layout hash, the optimizer's step count, and the named float
 * blocks (the players' parameters "G.params", "D.params", then the optimizer's state buffers). Written to a
 * temporary file, flushed to disk, then renamed over the old one: a crash leaves the old or the new checkpoint,
 * never half of one.
 *
 * <p>Each rank keeps its last {@link #KEEP} checkpoints, {@code rank-<r>-it<iteration>.ckpt}: a crash between two
 * ranks' writes leaves them at different newest iterations, and a resume then starts from the newest iteration that
 * every rank still has ({@link #newestCommon}).
 *
 * <p>Format: "DGANCKPT", int version, long layoutHash, long iteration, long stepCount, int blocks, then per block
 * UTF name, int length, length big-endian floats.
 */
public final class Checkpoints {
    private static final String MAGIC = "DGANCKPT";
    private static final int VERSION = 1;
    /** Checkpoints kept per rank (older ones are deleted after a new one is on disk). */
    public static final int KEEP = 3;
    private static final java.util.regex.Pattern NAME = java.util.regex.Pattern.compile("rank-(\\d+)-it(\\d+)\\.ckpt");

    private Checkpoints() {
    }

    /** The single checkpoint file of earlier versions (still read when a rank has no other). */
    public static Path file(Path dir, int rank) {
        return dir.resolve("rank-" + rank + ".ckpt");
    }

    /** The checkpoint of {@code rank} at {@code iteration}. */
    public static Path file(Path dir, int rank, long iteration) {
        return dir.resolve("rank-" + rank + "-it" + iteration + ".ckpt");
    }

    /** The newest checkpoint file of {@code rank} (the file of earlier versions if it has no other). */
    public static Path latest(Path dir, int rank) {
        long[] its = iterations(dir, rank);
        return its.length == 0 ? file(dir, rank) : file(dir, rank, its[its.length - 1]);
    }

    /** The iterations of the checkpoints {@code rank} has in {@code dir}, ascending (empty if none). */
    public static long[] iterations(Path dir, int rank) {
        if (!Files.isDirectory(dir)) {
            return new long[0];
        }
        try (java.util.stream.Stream<Path> files = Files.list(dir)) {
            return files.map(f -> NAME.matcher(f.getFileName().toString()))
                    .filter(m -> m.matches() && Integer.parseInt(m.group(1)) == rank)
                    .mapToLong(m -> Long.parseLong(m.group(2))).sorted().toArray();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list checkpoints in " + dir, e);
        }
    }

    /** The newest iteration in every rank's list, or -1 if there is none. */
    public static long newestCommon(java.util.List<long[]> perRank) {
        if (perRank.isEmpty()) {
            return -1;
        }
        java.util.Set<Long> common = null;
        for (long[] its : perRank) {
            java.util.Set<Long> set = new java.util.HashSet<>();
            for (long k : its) {
                set.add(k);
            }
            if (common == null) {
                common = set;
            } else {
                common.retainAll(set);
            }
        }
        return common.stream().mapToLong(Long::longValue).max().orElse(-1);
    }

    static Map<String, FloatBuffer> blocks(DecentralizedOptimizer optimizer, Map<String, FloatBuffer> extra) {
        Map<String, FloatBuffer> blocks = new LinkedHashMap<>();
        for (Player p : optimizer.players()) {
            blocks.put(p.name() + ".params", p.params());
        }
        blocks.putAll(optimizer.stateBuffers());
        blocks.putAll(extra);
        return blocks;
    }

    public static void save(Path dir, int rank, long layoutHash, long iteration, DecentralizedOptimizer optimizer) {
        save(dir, rank, layoutHash, iteration, optimizer, Map.of());
    }

    /** With {@code extra} blocks besides parameters and optimizer state (the oracle's: spectral norm's u). */
    public static void save(Path dir, int rank, long layoutHash, long iteration, DecentralizedOptimizer optimizer,
                            Map<String, FloatBuffer> extra) {
        Path target = file(dir, rank, iteration);
        Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
        try {
            Files.createDirectories(dir);
            try (var channel = java.nio.channels.FileChannel.open(tmp, java.nio.file.StandardOpenOption.CREATE,
                    java.nio.file.StandardOpenOption.TRUNCATE_EXISTING, java.nio.file.StandardOpenOption.WRITE);
                 DataOutputStream out = new DataOutputStream(new BufferedOutputStream(
                         java.nio.channels.Channels.newOutputStream(channel), 1 << 16))) {
                out.writeBytes(MAGIC);
                out.writeInt(VERSION);
                out.writeLong(layoutHash);
                out.writeLong(iteration);
                out.writeLong(optimizer.stepCount());
                Map<String, FloatBuffer> blocks = blocks(optimizer, extra);
                out.writeInt(blocks.size());
                for (Map.Entry<String, FloatBuffer> e : blocks.entrySet()) {
                    FloatBuffer b = e.getValue();
                    out.writeUTF(e.getKey());
                    out.writeInt(b.limit());
                    for (int i = 0, n = b.limit(); i < n; i++) {
                        out.writeFloat(b.get(i));
                    }
                }
                out.flush();
                channel.force(true);
            }
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            long[] kept = iterations(dir, rank);
            for (int i = 0; i < kept.length - KEEP; i++) {
                Files.deleteIfExists(file(dir, rank, kept[i]));
            }
            Files.deleteIfExists(file(dir, rank));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write checkpoint " + target + ": " + e.getMessage(), e);
        }
    }

    /** Restores rank's parameters and optimizer state in place; returns the checkpoint's iteration. */
    public static long load(Path dir, int rank, long layoutHash, DecentralizedOptimizer optimizer) {
        return load(dir, rank, layoutHash, optimizer, Map.of());
    }

    /**
     * As {@link #load(Path, int, long, DecentralizedOptimizer)}, also restoring {@code extra} blocks: the newest
     * checkpoint of the rank.
     */
    public static long load(Path dir, int rank, long layoutHash, DecentralizedOptimizer optimizer,
                            Map<String, FloatBuffer> extra) {
        return read(latest(dir, rank), rank, layoutHash, optimizer, extra);
    }

    /** Restores the checkpoint of {@code rank} at {@code iteration}; returns that iteration. */
    public static long load(Path dir, int rank, long iteration, long layoutHash, DecentralizedOptimizer optimizer,
                            Map<String, FloatBuffer> extra) {
        return read(file(dir, rank, iteration), rank, layoutHash, optimizer, extra);
    }

    private static long read(Path f, int rank, long layoutHash, DecentralizedOptimizer optimizer,
                             Map<String, FloatBuffer> extra) {
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(f), 1 << 16))) {
            byte[] magic = new byte[MAGIC.length()];
            in.readFully(magic);
            if (!MAGIC.equals(new String(magic, java.nio.charset.StandardCharsets.US_ASCII))) {
                throw new IllegalArgumentException(f + ": not a dgan checkpoint (bad magic)");
            }
            int version = in.readInt();
            if (version != VERSION) {
                throw new IllegalArgumentException(f + ": checkpoint version " + version + ", expected " + VERSION);
            }
            long hash = in.readLong();
            if (hash != layoutHash) {
                throw new IllegalArgumentException(f + ": model layout hash " + Long.toHexString(hash)
                        + " differs from this model's " + Long.toHexString(layoutHash) + " (another architecture?)");
            }
            long iteration = in.readLong();
            long steps = in.readLong();
            Map<String, FloatBuffer> blocks = blocks(optimizer, extra);
            int count = in.readInt();
            if (count != blocks.size()) {
                throw new IllegalArgumentException(f + ": " + count + " blocks, expected " + blocks.size() + " "
                        + blocks.keySet() + " (another algorithm?)");
            }
            for (int i = 0; i < count; i++) {
                String name = in.readUTF();
                int length = in.readInt();
                FloatBuffer b = blocks.get(name);
                if (b == null || b.limit() != length) {
                    throw new IllegalArgumentException(f + ": block " + name + "[" + length + "] does not match "
                            + blocks.keySet());
                }
                for (int k = 0; k < length; k++) {
                    b.put(k, in.readFloat());
                }
            }
            optimizer.restoreStepCount(steps);
            return iteration;
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException(f + ": no checkpoint for rank " + rank + " (nothing to resume)");
        } catch (EOFException e) {
            throw new IllegalArgumentException(f + ": checkpoint truncated");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read checkpoint " + f, e);
        }
    }
}
