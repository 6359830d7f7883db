package io.dgan.transport;

import io.dgan.testing.Ranks;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Ranks with different checkpoints agree on the newest iteration all of them have, over the in-memory transport. */
class ResumeAgreementTest {
    /** Each rank on its own thread ({@link Ranks}): the ranks wait on each other. */
    private static List<ResumeAgreement.Result> agree(long[]... perRank) {
        int m = perRank.length;
        ResumeAgreement.Result[] out = new ResumeAgreement.Result[m];
        try (InMemoryNetwork net = new InMemoryNetwork(m)) {
            Ranks.run(m, r -> out[r] = ResumeAgreement.agree(net.transport(r), 0, perRank[r]));
        }
        return List.of(out);
    }

    @Test
    void aCrashBetweenTwoRanksWritesResumesFromTheNewestCommonIteration() throws Exception {
        // rank 2 died before writing 300; rank 1 keeps only its last three
        List<ResumeAgreement.Result> r = agree(new long[] {100, 200, 300}, new long[] {200, 300, 100},
                new long[] {100, 200}, new long[] {200, 300});
        assertThat(r).allSatisfy(x -> {
            assertThat(x.iteration()).isEqualTo(200);
            assertThat(x.newestPerRank()).containsExactly(300, 300, 200, 300);
            assertThat(x.problem()).isNull();
        });
    }

    @Test
    void largeIterationsSurviveTheEncoding() throws Exception {
        long big = 12_345_678_901L;
        List<ResumeAgreement.Result> r = agree(new long[] {big, big + 7}, new long[] {big}, new long[] {big, 5});
        assertThat(r).allSatisfy(x -> assertThat(x.iteration()).isEqualTo(big));
    }

    @Test
    void noCheckpointsAnywhereIsAFreshStartAndNoCommonOneIsAOneLineProblem() throws Exception {
        assertThat(agree(new long[0], new long[0])).allSatisfy(x -> {
            assertThat(x.fresh()).isTrue();
            assertThat(x.problem()).isNull();
        });
        List<ResumeAgreement.Result> r = agree(new long[] {100}, new long[0], new long[] {200});
        assertThat(r).allSatisfy(x -> {
            assertThat(x.iteration()).isEqualTo(-1);
            assertThat(x.problem()).isEqualTo("no checkpoint iteration is common to all ranks (newest per rank: "
                    + "0=100, 1=none, 2=200); restore the missing ranks' checkpoints or remove all to start over");
        });
        assertThat(agree(new long[] {100}, new long[] {200})).allSatisfy(x -> assertThat(x.problem()).isNotNull());
    }
}
