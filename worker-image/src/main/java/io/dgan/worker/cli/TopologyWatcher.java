package io.dgan.worker.cli;

import io.dgan.topology.TopologyEpoch;
import io.dgan.topology.TopologySource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.function.Consumer;

/**
 * The topology file as a {@link TopologySource}: every {@link #latest()} re-reads it (the callers poll about once a
 * second, more often only while blocked on a peer). A mounted ConfigMap is updated by swapping the {@code ..data}
 * symlink, so one read sees either the old or the new file whole; the content, not the modification time, decides
 * whether it changed. A new content that does not parse, describes another number of workers, or goes back in
 * epoch is reported once (naming the file and the field) and ignored: the previous epoch stays in force.
 */
final class TopologyWatcher implements TopologySource {
    private final Path file;
    private final int workers;
    private final Consumer<String> log;
    private byte[] lastBytes;
    private TopologyFile lastFile;
    private TopologyEpoch latest;
    private boolean unreadable;

    /** Reads the file once; an error here is fatal (IllegalArgumentException naming the file and field). */
    TopologyWatcher(Path file, int workers, Consumer<String> log) {
        this.file = file;
        this.workers = workers;
        this.log = log;
        try {
            this.lastBytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new IllegalArgumentException("--topology-file: cannot read " + file + ": " + e.getMessage());
        }
        this.lastFile = check(TopologyFile.parse(new String(lastBytes, java.nio.charset.StandardCharsets.UTF_8),
                file));
        this.latest = lastFile.toEpoch();
    }

    /** The file as first read. */
    TopologyFile initial() {
        return lastFile;
    }

    @Override
    public synchronized TopologyEpoch latest() {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
            unreadable = false;
        } catch (IOException e) {
            if (!unreadable) {
                unreadable = true;
                log.accept("cannot read topology file " + file + " (" + e + "); keeping topology epoch "
                        + latest.epoch());
            }
            return latest;
        }
        if (Arrays.equals(bytes, lastBytes)) {
            return latest;
        }
        lastBytes = bytes;
        TopologyFile next;
        try {
            next = check(TopologyFile.parse(new String(bytes, java.nio.charset.StandardCharsets.UTF_8), file));
        } catch (IllegalArgumentException e) {
            log.accept("ignored a new topology file: " + e.getMessage() + "; keeping topology epoch " + latest.epoch());
            return latest;
        }
        if (next.epoch() < latest.epoch()) {
            log.accept("ignored a new topology file: " + file + " has epoch " + next.epoch() + ", older than epoch "
                    + latest.epoch() + " in force");
        } else if (next.epoch() == latest.epoch()) {
            log.accept("ignored a new topology file: " + file + " changed but kept epoch " + next.epoch()
                    + " (a changed graph must bump field 'epoch')");
        } else {
            lastFile = next;
            latest = next.toEpoch();
        }
        return latest;
    }

    private TopologyFile check(TopologyFile topo) {
        if (topo.workers() != workers) {
            throw new IllegalArgumentException("--topology-file: " + file + " describes " + topo.workers()
                    + " workers (field 'workers'), but --workers is " + workers
                    + " (a change of size is not followed live)");
        }
        return topo;
    }
}
