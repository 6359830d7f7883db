package io.dgan.worker.cli;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The soak benchmark's bookkeeping: which progress lines count, which readings are compared, the growth. */
class BenchSoakCommandTest {

    @Test
    void progressLinesOfRankZeroAreRecognised() {
        Matcher m = BenchSoakCommand.PROGRESS.matcher("[it 200/2000] G 0.69  D 1.30  consensus 0.002  1.8 it/s");
        assertThat(m.find()).isTrue();
        assertThat(m.group(1)).isEqualTo("200");
        assertThat(BenchSoakCommand.PROGRESS.matcher("[rank 1] waiting for rank 0").find()).isFalse();
    }

    @Test
    void growthIsFromTheFirstReadingAtOrAfterFromToTheLastPerRank() {
        List<BenchSoakCommand.Reading> readings = List.of(
                new BenchSoakCommand.Reading(190, 1, new long[]{900 * 1024, 800 * 1024}),
                new BenchSoakCommand.Reading(200, 2, new long[]{1000 * 1024, 1000 * 1024}),
                new BenchSoakCommand.Reading(1000, 3, new long[]{1300 * 1024, 1050 * 1024}),
                new BenchSoakCommand.Reading(2000, 4, new long[]{1100 * 1024, 900 * 1024}));
        Map<String, Object> out = BenchSoakCommand.summarize(readings, 200, 2000, 2);
        assertThat(out.get("fromIteration")).isEqualTo(200L);
        assertThat(out.get("endIteration")).isEqualTo(2000L);
        assertThat(out.get("rssMiBAtFromRank0")).isEqualTo(1000.0);
        assertThat(out.get("rssMiBAtEndRank0")).isEqualTo(1100.0);
        assertThat((double) out.get("growthRank0")).isCloseTo(0.10, org.assertj.core.data.Offset.offset(1e-12));
        assertThat((double) out.get("growthRank1")).isCloseTo(-0.10, org.assertj.core.data.Offset.offset(1e-12));
        assertThat(out.get("peakRssMiBRank0")).isEqualTo(1300.0);
    }

    @Test
    void aRunThatStoppedEarlyIsAnErrorNotAFigure() {
        List<BenchSoakCommand.Reading> readings = List.of(
                new BenchSoakCommand.Reading(200, 1, new long[]{1024}),
                new BenchSoakCommand.Reading(1500, 2, new long[]{1024}));
        assertThatThrownBy(() -> BenchSoakCommand.summarize(readings, 200, 2000, 1))
                .hasMessageContaining("stopped before 2000");
    }

    @Test
    void rssOfThisProcessIsReadFromProc() {
        long kib = BenchSoakCommand.rssKiB(ProcessHandle.current().pid());
        assertThat(kib).isGreaterThan(10_000); // a JVM is well over 10 MiB resident
        assertThat(BenchSoakCommand.rssKiB(Long.MAX_VALUE)).isEqualTo(-1);
    }
}
