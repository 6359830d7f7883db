package io.dgan.worker.cli;

import io.dgan.topology.TopologyEpoch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The topology file re-read live: a bad update is reported once, naming file and field, and the epoch is kept. */
class TopologyWatcherTest {
    @TempDir
    Path dir;

    private Path write(Map<String, Object> topo) throws Exception {
        Path f = dir.resolve("topology.json");
        Files.writeString(f, JsonOutput.toJson(topo));
        return f;
    }

    @Test
    void newEpochsAreTakenBadOnesReportedAndIgnored() throws Exception {
        Path f = write(LiveTopologyProcessTest.operatorPlan("ring", 1));
        List<String> log = new ArrayList<>();
        TopologyWatcher w = new TopologyWatcher(f, 4, log::add);
        assertThat(w.latest().epoch()).isEqualTo(1);
        assertThat(w.latest()).isSameAs(w.latest()); // unchanged content: nothing re-parsed

        Files.writeString(f, "{\"epoch\": 2, \"type\": \"ring\", \"workers\": 4, \"weigh");  // half-written
        assertThat(w.latest().epoch()).isEqualTo(1);
        assertThat(log).singleElement().asString().contains(f.toString()).contains("not valid JSON")
                .contains("keeping topology epoch 1");
        w.latest();
        assertThat(log).hasSize(1); // reported once per content

        Map<String, Object> badRank = LiveTopologyProcessTest.operatorPlan("ring", 2, 2);
        badRank.put("excludedRanks", List.of(7));
        write(badRank);
        assertThat(w.latest().epoch()).isEqualTo(1);
        assertThat(log.get(1)).contains("field 'excludedRanks' entry 0 must be a rank of 0..3, got 7");

        Map<String, Object> otherSize = LiveTopologyProcessTest.operatorPlan("ring", 2);
        otherSize.put("workers", 5);
        write(otherSize);
        assertThat(w.latest().epoch()).isEqualTo(1);
        assertThat(log.get(2)).contains("weights must be a 5×5 array");

        Map<String, Object> since = LiveTopologyProcessTest.operatorPlan("ring", 2);
        since.put("memberSince", List.of(0, 0, 3, 0));
        write(since);
        assertThat(w.latest().epoch()).isEqualTo(1);
        assertThat(log.get(3)).contains("field 'memberSince' entry 2 must be an epoch in 0..2, got 3");

        write(LiveTopologyProcessTest.operatorPlan("ring", 2, 2));
        TopologyEpoch two = w.latest();
        assertThat(two.epoch()).isEqualTo(2);
        assertThat(two.excluded()).containsExactly(2);
        assertThat(two.neighbours(1)).containsExactly(0);

        write(LiveTopologyProcessTest.operatorPlan("ring", 1));
        assertThat(w.latest().epoch()).isEqualTo(2);
        assertThat(log.get(4)).contains("has epoch 1, older than epoch 2 in force");
        write(LiveTopologyProcessTest.operatorPlan("complete", 2));
        assertThat(w.latest().epoch()).isEqualTo(2);
        assertThat(log.get(5)).contains("changed but kept epoch 2");
    }

    @Test
    void aBadFileAtStartIsAnErrorNamingFileAndField() throws Exception {
        Map<String, Object> topo = LiveTopologyProcessTest.operatorPlan("ring", 1);
        topo.put("excludedRanks", List.of(1)); // rank 1 still has ring neighbours
        Path f = write(topo);
        assertThatThrownBy(() -> new TopologyWatcher(f, 4, s -> { }))
                .hasMessageContaining("--topology-file: " + f).hasMessageContaining("excluded rank 1 still has");
        topo.remove("excludedRanks");
        topo.put("gossipRounds", "two");
        write(topo);
        assertThatThrownBy(() -> new TopologyWatcher(f, 4, s -> { }))
                .hasMessageContaining("field 'gossipRounds' must be an integer, got \"two\"");
        topo.put("gossipRounds", 1);
        write(topo);
        assertThatThrownBy(() -> new TopologyWatcher(f, 3, s -> { }))
                .hasMessageContaining("describes 4 workers (field 'workers'), but --workers is 3");
    }
}
