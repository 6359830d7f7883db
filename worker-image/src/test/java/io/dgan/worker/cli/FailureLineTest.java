package io.dgan.worker.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** A failure while running is one line that says what happened to which file, without the stack trace. */
class FailureLineTest {
    @TempDir
    Path dir;

    @Test
    void aRunDirectoryThatIsAFileSaysSo() throws Exception {
        Path file = Files.writeString(dir.resolve("taken"), "not a directory");
        GameCommandTest.Run r = GameCommandTest.run("train", "--in-process", "--iterations", "1",
                "--run-dir", file.toString());
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err().strip().lines()).hasSize(1);
        assertThat(r.err()).contains(file.toString()).contains("file already exists").contains("--debug")
                .doesNotContain("\tat ");
        assertThat(Files.readString(file)).isEqualTo("not a directory");
    }

    @Test
    void fileSystemCausesGiveTheirReasonAndTheFileOnce() {
        assertThat(DganCli.oneLine(new UncheckedIOException("cannot prepare run directory /r",
                new FileAlreadyExistsException("/r")))).isEqualTo("cannot prepare run directory /r: file already exists");
        assertThat(DganCli.oneLine(new UncheckedIOException("cannot write the summary",
                new AccessDeniedException("/r/summary.json")))).isEqualTo("cannot write the summary: /r/summary.json: access denied");
        assertThat(DganCli.oneLine(new UncheckedIOException("cannot move the checkpoint",
                new NoSuchFileException("/r/a.tmp", "/r/a", "gone")))).isEqualTo("cannot move the checkpoint: /r/a.tmp: gone (/r/a)");
        assertThat(DganCli.oneLine(new IllegalStateException("boom", new RuntimeException("inner"))))
                .isEqualTo("boom: inner");
    }
}
