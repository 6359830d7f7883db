package io.dgan.worker.cli;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * docs/reference/cli.md is the commands' picocli model rendered by {@link CliReference}: an option added, renamed or
 * redescribed without regenerating the page fails here.
 */
class CliReferenceTest {
    static final Path PAGE = Path.of("../docs/reference/cli.md");

    @Test
    void theCommittedReferenceIsTheCommandLineModelRendered() throws Exception {
        String rendered = CliReference.render();
        if (Boolean.getBoolean("dgan.writeCliReference")) {
            Files.createDirectories(PAGE.getParent());
            Files.writeString(PAGE, rendered);
        }
        assertThat(Files.exists(PAGE)).as(PAGE + " exists").isTrue();
        assertThat(Files.readString(PAGE)).as(PAGE + " is stale: regenerate it (see its header)").isEqualTo(rendered);
        assertThat(rendered).contains("## `dgan train`", "## `dgan bench comm`", "## `dgan worker`",
                "| `--emulate-latency=DELAY` |", "| `--preset=<preset>` |");
    }
}
