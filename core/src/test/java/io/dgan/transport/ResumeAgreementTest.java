package io.dgan.transport;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;

/** Ranks with different checkpoints agree on the newest iteration all of them have, over the in-memory transport. */
class ResumeAgreementTest {
    private static List<ResumeAgreement.Result> agree(long[]... perRank) throws Exception {
        int m = perRank.length;
        // A thread per rank: the ranks block on each other, so a shared pool smaller than the job (the common pool
        // has one thread on two cores under JDK 25) would never run them all at once.
        java.util.concurrent.ExecutorService ranks = java.util.concurrent.Executors.newFixedThreadPool(m);
        try (InMemoryNetwork net = new InMemoryNetwork(m)) {
            List<CompletableFuture<ResumeAgreement.Result>> f = new ArrayList<>();
            for (int r = 0; r < m; r++) {
                Transport t = net.transport(r);
                long[] mine = perRank[r];
                f.add(CompletableFuture.supplyAsync(() -> ResumeAgreement.agree(t, 0, mine), ranks));
            }
            List<ResumeAgreement.Result> out = new ArrayList<>();
            for (var x : f) {
                out.add(x.get());
            }
            return out;
        } finally {
            ranks.shutdownNow();
        }
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
