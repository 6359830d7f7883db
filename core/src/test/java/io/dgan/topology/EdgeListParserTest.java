package io.dgan.topology;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EdgeListParserTest {
    @TempDir
    Path dir;

    @Test
    void parsesAStringInAnyDirection() {
        assertThat(EdgeListParser.parse("0-1,2-1 3-2;0-3"))
                .containsExactly(new Edge(0, 1), new Edge(1, 2), new Edge(2, 3), new Edge(0, 3));
    }

    @Test
    void parsesAFileWithCommentsAndBlankLines() throws IOException {
        Path file = dir.resolve("g.txt");
        Files.writeString(file, "# a square\n0 1\n1   2\n\n2-3  # dash works too\n3\t0\n");
        assertThat(EdgeListParser.parse(file))
                .containsExactly(new Edge(0, 1), new Edge(1, 2), new Edge(2, 3), new Edge(0, 3));
    }

    @Test
    void fileErrorsNameTheFileAndLine() throws IOException {
        Path file = dir.resolve("bad.txt");
        Files.writeString(file, "0 1\n1 two\n");
        assertThatThrownBy(() -> EdgeListParser.parse(file))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(file + " line 2: expected two worker indices");
        Path loop = dir.resolve("loop.txt");
        Files.writeString(loop, "0 1\n\n3 3\n");
        assertThatThrownBy(() -> EdgeListParser.parse(loop))
                .isInstanceOf(IllegalArgumentException.class).hasMessage(loop + " line 3: edge 3-3 is a self loop");
        assertThatThrownBy(() -> EdgeListParser.parse(dir.resolve("missing.txt")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("missing.txt does not exist");
        Path empty = dir.resolve("empty.txt");
        Files.writeString(empty, "# nothing\n");
        assertThatThrownBy(() -> EdgeListParser.parse(empty))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("has no edges");
    }

    @Test
    void negativeIndicesAreRejected() {
        assertThatThrownBy(() -> new Edge(-1, 2)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("negative");
    }
}
