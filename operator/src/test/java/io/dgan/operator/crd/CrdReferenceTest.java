package io.dgan.operator.crd;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** docs/reference/crd.md is the CRD rendered by {@link CrdReference}: a field, default or rule changed in the Java
 * types (and so in the generated CRD) without regenerating the page fails here. */
class CrdReferenceTest {
    static final Path PAGE = Path.of("../docs/reference/crd.md");

    @Test
    void theCommittedReferenceIsTheGeneratedCrdRendered() throws Exception {
        String rendered = CrdReference.render(CrdTest.GENERATED);
        if (Boolean.getBoolean("dgan.writeCrdReference")) Files.writeString(PAGE, rendered);
        assertThat(Files.exists(PAGE)).as(PAGE + " exists").isTrue();
        assertThat(Files.readString(PAGE)).as(PAGE + " is stale: regenerate it (see its header)").isEqualTo(rendered);
        // The page carries what users look up: defaults, bounds, rules, and the columns in the server's order.
        assertThat(rendered).contains("| `spec.workers` | integer |  | required; >= 1; <= 1024 |",
                "| `spec.topology.type` | string | `\"Ring\"` |", "self.metadata.name.matches(",
                "| `spec.training.checkpointVolume.size` |", "| Age | date | `.metadata.creationTimestamp` |",
                "| `Diverged` | A worker exited 3:", "| 3 | its own losses or parameters became NaN or infinite |");
    }
}
